"""Settings of the passwords capability ([passwords] in the TOML file).

[passwords]
min_length = 12
organisation_words = ["northwick", "nwh", "st-elsewhere"]
deny_lists = ["/srv/phalanx/ncsc-pwned-top100k.txt"]
pwned = ["/srv/phalanx/pwned-ntlm.phx"]
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PasswordSettings:
    # NCSC and NIST SP 800-63B: length is what makes a password hard to guess; 12 is where a
    # deny list plus three random words leaves a sprayer nothing cheap (docs/passwords.md).
    min_length: int = 12
    # Names people base passwords on here: the organisation, its sites, products, teams.
    organisation_words: tuple[str, ...] = ()
    # Plain lists of banned passwords (one a line), e.g. the NCSC top 100k.
    deny_lists: tuple[str, ...] = ()
    # Pwned Passwords: a Phalanx store, a sorted HASH:COUNT file, or a per-prefix directory.
    pwned: tuple[str, ...] = ()
    # Fewest guessable parts (banned words, stray characters) a password must split into.
    min_parts: int = 3
    # zxcvbn's estimate below which a password is refused: 10^10 guesses is its "very
    # unguessable" band; the deny list, not this, is what stops spray patterns.
    min_guesses_log10: float = 10.0
    # Audit: years appended by the mangling rules (sprayers use the current and recent ones).
    first_year: int = 1990
    last_year: int = 2030
    # Audit: worker processes for hashing candidates (0 = one per CPU).
    workers: int = 0
