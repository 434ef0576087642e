"""systemd journal exports (`journalctl -o json`): one JSON object a line.

The message is read by the same parser as syslog (linux_auth), so an sshd failure counts the
same whichever way it was collected. MESSAGE may be an array of bytes when it is not UTF-8.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import orjson
import pyarrow as pa

from phalanx.config.signins import SigninSettings
from phalanx.signins.readers.base import InputFile, InputStats
from phalanx.signins.readers.syslog_auth import add_events
from phalanx.signins.records import SignInBatches

NAME = "journald"


def sniff(head: bytes, name: str) -> bool:
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0]
    return first.startswith(b"{") and b'"__REALTIME_TIMESTAMP"' in first and b'"MESSAGE"' in first


def read(
    source: InputFile, stats: InputStats, settings: SigninSettings
) -> Iterator[pa.RecordBatch]:
    batches = SignInBatches(source.name)
    with source.open() as stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            stats.records += 1
            entry = _entry(line)
            if entry is None:
                stats.skip("invalid_json", number)
                continue
            parts = _parts(entry)
            if parts is None:
                stats.skip("malformed_entry", number)
                continue
            add_events(batches, stats, *parts, record=number)
            if batches.full():
                yield from batches.drain()
    yield from batches.drain()


def _entry(line: bytes) -> Mapping[str, Any] | None:
    try:
        entry = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    return entry if isinstance(entry, dict) else None


def _parts(entry: Mapping[str, Any]) -> tuple[datetime, str, str, str] | None:
    try:
        moment = datetime.fromtimestamp(int(entry["__REALTIME_TIMESTAMP"]) / 1e6, tz=UTC)
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        return None
    message = _text(entry.get("MESSAGE"))
    program = _text(entry.get("SYSLOG_IDENTIFIER") or entry.get("_COMM"))
    if message is None or not program:
        return None
    return moment, _text(entry.get("_HOSTNAME")) or "", program, message


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(b, int) and 0 <= b < 256 for b in value):
        return bytes(value).decode("utf-8", "replace")
    return None
