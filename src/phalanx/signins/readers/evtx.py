"""Windows Security event logs (.evtx), parsed by the Rust-backed `evtx` package (pyevtx-rs).

Speed: the parser turns ~270k records/s into JSON strings here; decoding every string would
cost more than the parsing. So the event ID is read from the raw string first and only logon
events (a fraction of a real Security log) are decoded.

A damaged chunk costs only its own records: the parser reports it and goes on with the next
64 KB chunk, and the reader counts it as a skip.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import orjson
import pyarrow as pa
from evtx import PyEvtxParser

from phalanx.config.signins import SigninSettings
from phalanx.signins.readers import windows_events as events
from phalanx.signins.readers.base import InputFile, InputStats
from phalanx.signins.records import SignInBatches

NAME = "evtx"
_MAGIC = b"ElfFile\x00"
# "EventID":4625, or "EventID":{"#attributes":{"Qualifiers":0},"#text":4625} for some providers.
_EVENT_ID = re.compile(r'"EventID":(?:\{"#attributes":\{[^{}]*\},"#text":)?(\d+)')
# A chunk the parser cannot read makes it raise once and move on; this many failures in a row
# means it is not making progress through the file any more.
_MAX_ERRORS_IN_A_ROW = 10_000
_MAX_RECORD_NUMBER = 2**63  # the record column is int64; a damaged header can say more


def sniff(head: bytes, name: str) -> bool:
    return head.startswith(_MAGIC)


def read(
    source: InputFile, stats: InputStats, settings: SigninSettings
) -> Iterator[pa.RecordBatch]:
    batches = SignInBatches(source.name)
    with source.open() as stream:
        try:
            parser = PyEvtxParser(stream)
        except (RuntimeError, OSError, ValueError) as exc:
            stats.skip("corrupt_file", detail=str(exc))
            return
        for record in _records(parser, stats):
            stats.records += 1
            _add_record(record, batches, stats)
            if batches.full():
                yield from events.flushed(batches)
    yield from events.flushed(batches)


def _records(parser: PyEvtxParser, stats: InputStats) -> Iterator[dict[str, Any]]:
    """Every record the parser can read; each damaged chunk it reports is counted and passed."""
    records = parser.records_json()
    errors_in_a_row = 0
    while errors_in_a_row < _MAX_ERRORS_IN_A_ROW:
        try:
            record = next(records)
        except StopIteration:
            return
        except (RuntimeError, OSError, ValueError) as exc:
            errors_in_a_row += 1
            stats.skip("corrupt_chunk", detail=str(exc)[:300])
            continue
        errors_in_a_row = 0
        if isinstance(record, dict):
            yield record
    stats.skip("corrupt_file", detail=f"gave up after {_MAX_ERRORS_IN_A_ROW} unreadable chunks")


def _add_record(record: dict[str, Any], batches: SignInBatches, stats: InputStats) -> None:
    raw = record.get("data", "")
    number = record.get("event_record_id")
    if type(number) is not int or not 0 <= number < _MAX_RECORD_NUMBER:  # damaged header
        number = stats.records
    found = _EVENT_ID.search(raw)
    if found is None:
        stats.skip("no_event_id", number)
        return
    event_id = int(found[1])
    if event_id not in events.LOGON_EVENT_IDS:
        return
    try:
        event = orjson.loads(raw)["Event"]
        system, fields = event["System"], event["EventData"]
    except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
        stats.skip("malformed_event", number, f"event {event_id}: {exc}")
        return
    if not isinstance(system, dict) or not isinstance(fields, dict):
        stats.skip("malformed_event", number, f"event {event_id}: no named event data")
        return
    # The event's own time; the record header's time is when it was written, and is FILETIME 0
    # on the last record of several exported files.
    time = events.parse_time(system.get("TimeCreated"))
    time = time or events.parse_time(record.get("timestamp"))
    if time is None:
        stats.skip("no_time", number, f"event {event_id}")
        return
    computer = system.get("Computer")
    events.add_signin(
        batches,
        reader=NAME,
        event_id=event_id,
        fields=fields,
        time=time,
        computer=computer if isinstance(computer, str) else "",
        record=number,
    )
    stats.signins += 1
