"""Settings of `phalanx serve`: the reporting service ([server] in the TOML file)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from phalanx.config.mail_service import FeedbackSettings, TakedownSettings


@dataclass(frozen=True)
class ServerSettings:
    data_dir: Path = Path("phalanx-data")  # raw messages, content-addressed, and the SQLite store
    database_url: str | None = None  # None: SQLite under data_dir; or postgresql+psycopg://...
    http_host: str = "127.0.0.1"
    http_port: int = 8025
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    takedown: TakedownSettings = field(default_factory=TakedownSettings)
    feedback: FeedbackSettings = field(default_factory=FeedbackSettings)
