"""Settings of the mail capability ([mail] in the TOML file)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MailSettings:
    organisation_domains: tuple[str, ...] = ()
