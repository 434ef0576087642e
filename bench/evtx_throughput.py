"""End-to-end speed of the .evtx reader: records in, sign-in RecordBatches out (issue 2 §7).

    .venv/bin/python bench/evtx_throughput.py                      # 25% logon events, and 100%
    .venv/bin/python bench/evtx_throughput.py --records 100000 --logon-share 0.4 --runs 5

The corpus .evtx files hold a few hundred records each, too few to time. An .evtx file is a
4 KB header followed by self-contained 64 KB chunks, so the benchmark writes a large log (to a
temporary file, deleted afterwards) from the corpus's own chunks repeated. Nearly every corpus
record is a logon event, which a real Security log is not (logoffs, special privileges, service
tickets, process creation and firewall events outnumber them), so for --logon-share below 1 the
event ID of the other records is rewritten in the copy to such a non-logon event; the share
actually obtained is counted back and printed.

Prints, for each share: the parser alone (records_json(), nothing else) and the reader end to
end, as records per second of wall time and of CPU time (the CPU figure is the steadier one on
a shared machine). Best of --runs. Logs of 256 MB and more are read by one worker process per
core (see readers/evtx.py); --one-process measures the single-process reader on them.
"""

from __future__ import annotations

import argparse
import random
import resource
import shlex
import struct
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

from evtx import PyEvtxParser

from _corpus import CORPUS
from phalanx.config.signins import SigninSettings
from phalanx.signins.readers import evtx
from phalanx.signins.readers.base import InputFile, InputStats
from phalanx.signins.readers.evtx import raw_event_id
from phalanx.signins.readers.windows_events import LOGON_EVENT_IDS

WINDOWS = CORPUS / "signins" / "windows"
HEADER_SIZE = 4096
CHUNK_SIZE = 65536
CHUNK_MAGIC = b"ElfChnk\x00"
RECORD_MAGIC = b"\x2a\x2a\x00\x00"
FIRST_RECORD = 512  # records start after the chunk header and its string/template tables
# Frequent non-logon Security events: logoff, special privileges, service ticket, process
# creation, firewall connection.
OTHER_EVENTS = (4634, 4672, 4769, 4688, 5156)


def corpus_chunks(folder: Path) -> Iterator[tuple[bytes, dict[int, int | None]]]:
    """Every full chunk of the corpus logs, with its file's event IDs by record number."""
    for path in sorted(folder.glob("*.evtx")):
        data = path.read_bytes()
        event_ids = {
            record["event_record_id"]: raw_event_id(record["data"])
            for record in PyEvtxParser(str(path)).records_json()
        }
        for start in range(HEADER_SIZE, len(data) - CHUNK_SIZE + 1, CHUNK_SIZE):
            chunk = data[start : start + CHUNK_SIZE]
            if chunk.startswith(CHUNK_MAGIC):
                yield chunk, event_ids


def records_in(chunk: bytes) -> Iterator[tuple[int, int, int]]:
    """(offset, size, record number) of each record of a chunk."""
    offset = FIRST_RECORD
    while offset + 24 <= CHUNK_SIZE and chunk[offset : offset + 4] == RECORD_MAGIC:
        size, number = struct.unpack_from("<IQ", chunk, offset + 4)
        if size < 24 or offset + size > CHUNK_SIZE:
            return
        yield offset, size, number
        offset += size


def with_other_events(
    chunk: bytes, event_ids: dict[int, int | None], share: float, seed: int
) -> bytes:
    """The chunk with 1 - share of its logon records turned into non-logon events.

    A record's event ID is a 16-bit value among its template's substitutions; it is rewritten
    only where it occurs exactly once in the record, so nothing else can be hit by mistake.
    """
    rng = random.Random(seed)
    out = bytearray(chunk)
    for offset, size, number in records_in(chunk):
        event_id = event_ids.get(number)
        if event_id not in LOGON_EVENT_IDS or rng.random() < share:
            continue
        old = struct.pack("<H", event_id)
        body = chunk[offset : offset + size]
        if body.count(old) == 1:
            at = offset + body.index(old)
            out[at : at + 2] = struct.pack("<H", rng.choice(OTHER_EVENTS))
    return bytes(out)


def compose(target: Path, records: int, share: float) -> None:
    """Writes an .evtx of at least `records` records made of the corpus's chunks."""
    chunks = list(corpus_chunks(WINDOWS))
    per_round = sum(1 for chunk, _ in chunks for _ in records_in(chunk))
    rounds = max(1, -(-records // per_round))
    count = rounds * len(chunks)
    if count > 0xFFFF:
        sys.exit(f"{records} records need {count} chunks, more than an .evtx header can count")
    header = bytearray((WINDOWS / "kerbrute-spray-4771.evtx").read_bytes()[:HEADER_SIZE])
    struct.pack_into("<QQ", header, 8, 0, count - 1)  # first and last chunk number
    struct.pack_into("<H", header, 42, count)  # number of chunks
    struct.pack_into("<I", header, 124, zlib.crc32(bytes(header[:120])))
    with target.open("wb") as out:
        out.write(header)
        for round_ in range(rounds):
            for index, (chunk, ids) in enumerate(chunks):
                out.write(with_other_events(chunk, ids, share, seed=round_ * 1000 + index))


def cpu_seconds() -> float:
    """CPU time of this process and of its finished worker processes."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def timed(work: Callable[[], int], runs: int) -> tuple[int, float, float]:
    """(records, best wall seconds, best CPU seconds) over `runs` runs."""
    best_wall = best_cpu = float("inf")
    records = 0
    for _ in range(runs):
        wall, cpu = time.perf_counter(), cpu_seconds()
        records = work()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, cpu_seconds() - cpu)
    return records, best_wall, best_cpu


def parser_alone(path: Path) -> int:
    return sum(1 for _ in PyEvtxParser(str(path)).records_json())


def reader_end_to_end(path: Path) -> int:
    stats = InputStats(path=str(path))
    source = InputFile(str(path), lambda: path.open("rb"), size=path.stat().st_size)
    rows = sum(batch.num_rows for batch in evtx.read(source, stats, SigninSettings()))
    assert rows == stats.signins and not stats.skips.total, stats.to_dict()
    return stats.records


def logon_share(path: Path) -> float:
    ids = [raw_event_id(record["data"]) for record in PyEvtxParser(str(path)).records_json()]
    return sum(1 for event_id in ids if event_id in LOGON_EVENT_IDS) / len(ids)


def report(label: str, records: int, wall: float, cpu: float) -> None:
    # Workers forked by the reader's fork server are not this process's children: their CPU
    # time is invisible here, so for a split read only the wall-clock figure means anything.
    cpu_text = (
        f"CPU {cpu:5.2f} s, {records / cpu:>9,.0f} records/s"
        if cpu > wall / 5
        else "split across worker processes: wall time only"
    )
    print(
        f"  {label:<22} {records:>9,} records  {wall:6.2f} s  {records / wall:>9,.0f} records/s"
        f"  ({cpu_text})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=800_000)  # a 1.2 GB log
    parser.add_argument("--logon-share", type=float, action="append", dest="shares")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument(
        "--one-process", action="store_true", help="no worker processes, whatever the log's size"
    )
    args = parser.parse_args()
    if args.one_process:
        evtx._SPLIT_FROM_BYTES = sys.maxsize  # the reader's own threshold, lifted for comparison
    shares = args.shares or [0.25, 1.0]
    print("command:", shlex.join([Path(sys.executable).name, *sys.argv]))
    with tempfile.TemporaryDirectory(prefix="evtx-bench-") as folder:
        path = Path(folder) / "composed.evtx"
        for share in shares:
            compose(path, args.records, share)
            size = path.stat().st_size / 2**20
            print(f"log: {size:,.0f} MB, logon events {logon_share(path):.0%} of records")
            report("parser alone", *timed(lambda: parser_alone(path), args.runs))
            report("reader end to end", *timed(lambda: reader_end_to_end(path), args.runs))


if __name__ == "__main__":
    main()
