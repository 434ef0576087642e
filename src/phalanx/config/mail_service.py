"""Settings of the reporting service's takedown queue and reporter feedback."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TakedownSettings:
    # Liveness checks fetch reported URLs: off unless a sandboxed egress is configured.
    network_enabled: bool = False
    check_interval_minutes: int = 60
    request_timeout_seconds: float = 10.0


@dataclass(frozen=True)
class FeedbackSettings:
    enabled: bool = False
    relay_host: str = "127.0.0.1"
    relay_port: int = 25
    sender: str = "phishing-report@localhost"
