"""Windows Security event logs (.evtx), parsed by the Rust-backed `evtx` package (pyevtx-rs).

Speed: the parser turns ~270k records/s into JSON strings here; decoding every string would
cost more than the parsing. So the event ID is read from the raw string first and only logon
events (a fraction of a real Security log) are decoded.

A damaged chunk costs only its own records: the parser reports it and goes on with the next
64 KB chunk, and the reader counts it as a skip.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import re
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from itertools import repeat
from pathlib import Path
from typing import Any, BinaryIO

import orjson
import pyarrow as pa
from evtx import PyEvtxParser

from phalanx.config.signins import SigninSettings
from phalanx.signins.readers import windows_events as events
from phalanx.signins.readers.base import InputFile, InputStats
from phalanx.signins.records import SignInBatches

NAME = "evtx"
_MAGIC = b"ElfFile\x00"
_HEADER_BYTES = 4096
_CHUNK_BYTES = 65536
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
    path = _local_file(source)
    workers = _start_workers(path, source.name) if path and _worth_splitting(path) else None
    if workers is not None:
        yield from _gather(*workers, stats)
        return
    with source.open() as stream:
        yield from _read_stream(stream, source.name, stats)


def _read_stream(
    stream: BinaryIO, name: str, stats: InputStats, threads: int = 0
) -> Iterator[pa.RecordBatch]:
    batches = SignInBatches(name)
    try:
        parser = PyEvtxParser(stream, number_of_threads=threads)
    except (RuntimeError, OSError, ValueError) as exc:
        stats.skip("corrupt_file", detail=str(exc))
        return
    for record in _records(parser, stats):
        stats.records += 1
        if _add_record(record, batches, stats) and batches.full():
            yield from batches.drain()
    yield from batches.drain()


# A large log is read by one process per core, each taking pieces of whole 64 KB chunks (every
# chunk stands alone: its own strings and templates). Starting the workers costs about a second
# of CPU (each imports pyarrow); below this size that is more than it saves on two cores.
_SPLIT_FROM_BYTES = 256 * 2**20
_PIECE_BYTES = 256 * _CHUNK_BYTES


def _local_file(source: InputFile) -> Path | None:
    """The file on disk behind `source`, when it is a plain one (not a .gz or a .zip member)."""
    with source.open() as stream:
        if isinstance(stream, io.BufferedReader) and isinstance(stream.raw, io.FileIO):
            name = stream.raw.name
            return Path(name) if isinstance(name, str) else None
    return None


def _worth_splitting(path: Path) -> bool:
    if _cores() < 2 or path.stat().st_size < _SPLIT_FROM_BYTES:
        return False
    try:  # a file whose header the parser refuses is reported once, by the plain path
        PyEvtxParser(str(path))
    except (RuntimeError, OSError, ValueError):
        return False
    return True


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


_Piece = tuple[list[pa.RecordBatch], InputStats]


def _start_workers(path: Path, name: str) -> tuple[ProcessPoolExecutor, Iterator[_Piece]] | None:
    """Hands the pieces of the file to worker processes; None where processes cannot start."""
    starts = range(_HEADER_BYTES, path.stat().st_size, _PIECE_BYTES)
    # Not fork: the parent may run threads (Arrow's, a web server's) a fork would break. A fork
    # server starts clean, imports this module once, and forks each worker from that: the
    # workers do not each pay the imports (about a second of CPU apiece) as spawned ones do.
    try:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        pool = ProcessPoolExecutor(_cores(), mp_context=context)
        pieces = pool.map(
            _read_piece, repeat(str(path)), repeat(name), starts, repeat(_PIECE_BYTES)
        )
    except (OSError, RuntimeError):  # e.g. inside a daemon process: read it in this one
        return None
    return pool, pieces


def _gather(
    pool: ProcessPoolExecutor, pieces: Iterator[_Piece], stats: InputStats
) -> Iterator[pa.RecordBatch]:
    try:
        for batches, piece_stats in pieces:
            stats.records += piece_stats.records
            stats.signins += piece_stats.signins
            stats.skips.merge(piece_stats.skips)
            yield from batches
    finally:  # also when the caller stops early: drop the pieces nobody will read
        pool.shutdown(cancel_futures=True)


def _read_piece(path: str, name: str, start: int, length: int) -> _Piece:
    """In a worker: the sign-ins of `length` bytes of chunks from `start`, behind the header."""
    with open(path, "rb") as file:
        header = file.read(_HEADER_BYTES)
        file.seek(start)
        piece = file.read(length)
    stats = InputStats(path=name)
    batches = list(_read_stream(io.BytesIO(header + piece), name, stats, threads=1))
    return batches, stats


def raw_event_id(data: str) -> int | None:
    """The event ID of a record's JSON, read without decoding it."""
    found = _EVENT_ID.search(data)
    return None if found is None else int(found[1])


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


_EVENT_DATA_KEY = '"EventData":'
_SYSTEM_TIME = re.compile(r'"SystemTime":"([^"\\]+)"')
_COMPUTER = re.compile(r'"Computer":"([^"\\]*)"')


def _system_and_data(raw: str) -> tuple[Any, Any]:
    """(System, EventData) of a logon record's JSON.

    EventData is the record's last member, and detection needs only two fields of System: so
    the EventData object alone is decoded and those two read by pattern, half the cost of
    decoding the whole record. In valid JSON the key text can only be a key (inside a value its
    quotes are escaped). Anything unexpected takes the full decode.
    """
    start = raw.rfind(_EVENT_DATA_KEY)
    time, computer = _SYSTEM_TIME.search(raw), _COMPUTER.search(raw)
    if start > 0 and raw.endswith("}}") and time and computer:
        fields = orjson.loads(raw[start + len(_EVENT_DATA_KEY) : -2])
        if isinstance(fields, dict):
            return {"TimeCreated": time[1], "Computer": computer[1]}, fields
    event = orjson.loads(raw)["Event"]
    return event["System"], event["EventData"]


def _add_record(record: dict[str, Any], batches: SignInBatches, stats: InputStats) -> bool:
    """Adds the sign-in a logon record holds; False for other records and skipped ones."""
    raw = record.get("data", "")
    event_id = raw_event_id(raw)
    if event_id is not None and event_id not in events.LOGON_EVENT_IDS:
        return False  # most records: not a logon event, and not decoded
    number = record.get("event_record_id")
    if type(number) is not int or not 0 <= number < _MAX_RECORD_NUMBER:  # damaged header
        number = stats.records
    if event_id is None:
        stats.skip("no_event_id", number)
        return False
    try:
        system, fields = _system_and_data(raw)
    except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
        stats.skip("malformed_event", number, f"event {event_id}: {exc}")
        return False
    if not isinstance(system, dict) or not isinstance(fields, dict):
        stats.skip("malformed_event", number, f"event {event_id}: no named event data")
        return False
    # The event's own time; the record header's time is when it was written, and is FILETIME 0
    # on the last record of several exported files.
    time = events.parse_time(system.get("TimeCreated"))
    time = time or events.parse_time(record.get("timestamp"))
    if time is None:
        stats.skip("no_time", number, f"event {event_id}")
        return False
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
    return True
