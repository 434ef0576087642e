"""Shared fixtures for the passwords tests: the built-in policy is built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from phalanx.config.passwords import PasswordSettings
from phalanx.passwords.loading import build_policy
from phalanx.passwords.normalise import decode_mojibake
from phalanx.passwords.policy import Policy

NCSC = Path("passwords") / "ncsc-pwned-top100k.txt"


@pytest.fixture(scope="session")
def builtin_policy() -> Policy:
    return build_policy(PasswordSettings())


@pytest.fixture(scope="session")
def ncsc_path(corpus: Path) -> Path:
    return corpus / NCSC


@pytest.fixture(scope="session")
def ncsc_long(ncsc_path: Path) -> list[str]:
    """NCSC entries at or above the default minimum length, repaired and de-duplicated."""
    lines = ncsc_path.read_text(encoding="utf-8", errors="replace").splitlines()[6:]
    unique = dict.fromkeys(decode_mojibake(line) for line in lines)
    return [p for p in unique if len(p) >= PasswordSettings().min_length]
