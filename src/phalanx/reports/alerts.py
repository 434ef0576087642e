"""Pushing findings out as they form: a webhook (JSON POST) and syslog (RFC 5424 over UDP)."""

from __future__ import annotations

import socket
import urllib.request
from datetime import UTC, datetime
from typing import Any

import orjson

SYSLOG_SECURITY_ALERT = 4 * 8 + 1  # facility auth (4), severity alert (1)


def post_webhook(url: str, document: dict[str, Any], timeout: float = 5.0) -> None:
    """POST one finding as JSON; raises OSError (URLError) when the receiver is unreachable."""
    request = urllib.request.Request(
        url,
        data=orjson.dumps(document),
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "phalanx-watch"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        response.read()


def syslog_line(document: dict[str, Any], hostname: str | None = None) -> bytes:
    """One RFC 5424 message: structured enough for a SIEM, the finding as JSON in MSG."""
    stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    host = hostname or socket.gethostname()
    kind = str(document.get("kind", "finding"))
    header = f"<{SYSLOG_SECURITY_ALERT}>1 {stamp} {host} phalanx - {kind} -"
    return header.encode() + b" " + orjson.dumps(document)


def send_syslog(address: tuple[str, int], document: dict[str, Any]) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        sender.sendto(syslog_line(document), address)
