"""Settings of `phalanx serve`: the reporting service ([server] in the TOML file).

The reasons behind each default are in docs/mail-service.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from phalanx.config.mail_service import CampaignSettings, FeedbackSettings, TakedownSettings


@dataclass(frozen=True)
class ServerSettings:
    data_dir: Path = Path("phalanx-data")  # raw messages, content-addressed, and the SQLite store
    database_url: str | None = None  # None: SQLite under data_dir; or postgresql+psycopg://...
    # Loopback by default: put the service behind the organisation's mail gateway and reverse
    # proxy (TLS) rather than on the open internet.
    http_host: str = "127.0.0.1"
    http_port: int = 8025
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    # Addresses the SMTP intake takes reports for (e.g. "phishing@uni.example"); empty: any.
    smtp_recipients: tuple[str, ...] = ()
    # A report is refused above this size (SMTP 552, HTTP 413); the message inside it is still
    # bounded by [mail] max_message_bytes.
    max_report_bytes: int = 30_000_000
    # Worker processes that read reported mail; 0: one per CPU core.
    workers: int = 0
    # A message whose reading takes longer is stopped and stored with an error (analysis takes
    # 2-3 ms on average and under 50 ms at the 99th percentile; 10 s is a hang, not a big mail).
    analysis_time_limit_seconds: float = 10.0
    # Address-space limit of each worker: a zip bomb or a parser bug costs one worker.
    worker_memory_mb: int = 1024
    # How long a login to the pages lasts.
    session_hours: float = 12.0
    campaigns: CampaignSettings = field(default_factory=CampaignSettings)
    takedown: TakedownSettings = field(default_factory=TakedownSettings)
    feedback: FeedbackSettings = field(default_factory=FeedbackSettings)
