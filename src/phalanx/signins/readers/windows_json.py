"""Windows events as JSON lines: the OTRF "Mordor" datasets, Winlogbeat and evtx_dump output.

Three layouts carry the same event, and all three are read:
- flat, as OTRF ships its datasets (NXLog/Logstash): "EventID", "Hostname", "@timestamp" and the
  event data fields ("TargetUserName", "IpAddress"...) side by side at the top level;
- Winlogbeat: {"winlog": {"event_id", "computer_name", "event_data": {...}}, "@timestamp"}
  (Winlogbeat 6 put "event_id", "computer_name" and "event_data" at the top level);
- evtx_dump -o jsonl: {"Event": {"System": {...}, "EventData": {...}}}.
Every line is a record; only logon events become sign-ins (see windows_events).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import orjson
import pyarrow as pa

from phalanx.config.signins import SigninSettings
from phalanx.signins.readers import windows_events as events
from phalanx.signins.readers.base import InputFile, InputStats
from phalanx.signins.records import SignInBatches

NAME = "windows_json"
# Keys only a Windows event has beside its ID, in the three layouts: not Entra, Okta or CEF.
_WINDOWS_KEYS = frozenset(
    {
        "Channel",
        "Computer",
        "Hostname",
        "ProviderGuid",
        "SourceName",
        "computer_name",
        "winlog",
        "Event",
    }
)
# The first line did not fit in the sniffed head: judge by its start.
_STARTS_LIKE_EVENT = re.compile(rb'^\{.*"(?:EventID|event_id|winlog|Event)"\s*:', re.DOTALL)


class _Event(NamedTuple):
    """What a line says, in whichever layout it came: values still unchecked."""

    event_id: object
    fields: object
    time: object
    computer: object


def sniff(head: bytes, name: str) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    first, newline, _ = text.partition(b"\n")
    if not first.startswith(b"{"):
        return False
    if not newline:  # the head ends inside the first line
        return _STARTS_LIKE_EVENT.match(first) is not None
    try:
        line = orjson.loads(first)
    except orjson.JSONDecodeError:
        return False
    return isinstance(line, dict) and _is_windows_event(line)


def _is_windows_event(line: dict[str, Any]) -> bool:
    event = _event(line)
    return events.event_id_of(event.event_id) is not None and not _WINDOWS_KEYS.isdisjoint(line)


def read(
    source: InputFile, stats: InputStats, settings: SigninSettings
) -> Iterator[pa.RecordBatch]:
    batches = SignInBatches(source.name)
    for number, line in source.text_lines():
        if number == 1:
            line = line.removeprefix("\ufeff")  # the byte-order mark Windows tools write
        if not line.strip():
            continue
        stats.records += 1
        _add_line(line, number, batches, stats)
        if batches.full():
            yield from batches.drain()
    yield from batches.drain()


def _add_line(line: str, number: int, batches: SignInBatches, stats: InputStats) -> None:
    try:
        parsed = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        stats.skip("invalid_json", number, str(exc)[:200])
        return
    if not isinstance(parsed, dict):
        stats.skip("not_an_object", number, type(parsed).__name__)
        return
    event = _event(parsed)
    event_id = events.event_id_of(event.event_id)
    if event_id is None:
        stats.skip("no_event_id", number)
        return
    if event_id not in events.LOGON_EVENT_IDS:
        return
    if not isinstance(event.fields, Mapping):
        stats.skip("malformed_event", number, f"event {event_id}: no event data")
        return
    time = events.parse_time(event.time)
    if time is None:
        stats.skip("no_time", number, f"event {event_id}")
        return
    events.add_signin(
        batches,
        reader=NAME,
        event_id=event_id,
        fields=event.fields,
        time=time,
        computer=event.computer if isinstance(event.computer, str) else "",
        record=number,
    )
    stats.signins += 1


def _event(line: dict[str, Any]) -> _Event:
    evtx_event = line.get("Event")
    if isinstance(evtx_event, dict) and isinstance(evtx_event.get("System"), dict):
        return _evtx_dump_event(evtx_event)
    winlog = line.get("winlog")
    if isinstance(winlog, dict):
        return _winlogbeat_event(line, winlog)
    return _flat_event(line)


def _evtx_dump_event(event: dict[str, Any]) -> _Event:
    system = event["System"]
    event_id = system.get("EventID")
    if isinstance(event_id, dict):  # {"#attributes": {"Qualifiers": 0}, "#text": 4625}
        event_id = event_id.get("#text")
    return _Event(
        event_id, event.get("EventData"), system.get("TimeCreated"), system.get("Computer")
    )


def _winlogbeat_event(line: dict[str, Any], winlog: dict[str, Any]) -> _Event:
    event_id = winlog.get("event_id")
    if event_id is None:
        event = line.get("event")
        event_id = event.get("code") if isinstance(event, dict) else None
    return _Event(
        event_id, winlog.get("event_data", {}), line.get("@timestamp"), winlog.get("computer_name")
    )


def _flat_event(line: dict[str, Any]) -> _Event:
    event_id = line.get("EventID", line.get("event_id"))
    fields = line.get("event_data", line)  # Winlogbeat 6 nests the data, OTRF does not
    # OTRF's "TimeCreated" is UTC; its "EventTime" is the collector's local time, never used.
    time = line.get("TimeCreated") or line.get("@timestamp")
    computer = line.get("Computer") or line.get("Hostname") or line.get("computer_name")
    return _Event(event_id, fields, time, computer)
