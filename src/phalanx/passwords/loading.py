"""Building a Policy from settings and the lists a user names, once per run."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from phalanx.config.passwords import PasswordSettings
from phalanx.passwords.denylist import builtin, load_wordlist
from phalanx.passwords.policy import Policy, PwnedLookup


def build_policy(settings: PasswordSettings, wordlists: Sequence[Path] = (),
                 pwned: Sequence[Path] = ()) -> Policy:
    deny = builtin(settings.organisation_words)
    for path in (*map(Path, settings.deny_lists), *wordlists):
        load_wordlist(deny, path)
    return Policy(deny, min_length=settings.min_length, min_parts=settings.min_parts,
                  min_guesses_log10=settings.min_guesses_log10,
                  pwned=open_pwned([*map(Path, settings.pwned), *pwned]))


def open_pwned(paths: Sequence[Path]) -> list[PwnedLookup]:
    from phalanx.passwords.pwned import open_pwned_source

    return [open_pwned_source(path) for path in paths]
