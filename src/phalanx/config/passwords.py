"""Settings of the passwords capability ([passwords] in the TOML file)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PasswordSettings:
    min_length: int = 12
    organisation_words: tuple[str, ...] = ()
