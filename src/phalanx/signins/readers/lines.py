"""Line-oriented logs read in chunks, and large files in pieces, numbered as the record path does.

A chunk is a few megabytes of whole lines. Its lines are numbered as `bytes.splitlines()` and
`io.TextIOWrapper(newline="")` number them (a line ends at "\\n", "\\r" or "\\r\\n"), so a fast
path that reads a chunk at a time reports the same line for the same record. A large plain
file is cut into pieces at line ends for worker processes; each piece counts its lines from 1,
returns its skips as a `Tally`, and the parent shifts both by the lines of the pieces before.
"""

from __future__ import annotations

import gc
import os
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import pairwise
from typing import BinaryIO, Protocol

import pyarrow as pa
import pyarrow.compute as pc

from phalanx.core.skips import MAX_EXAMPLES
from phalanx.signins.readers.base import InputStats

CHUNK_BYTES = 16 * 2**20
PIECE_BYTES = 128 * 2**20

# A chunk's lines (as bytes.splitlines() gives them) -> its sign-ins (compact), counting records
# and skips into the tally; the int is the number of the chunk's first line.
ChunkReader = Callable[[list[bytes], int, str, "Tally"], "pa.RecordBatch | None"]


@dataclass
class Tally:
    """What a chunk or a piece gave, with skips kept by line number so they can be replayed in
    file order, and shifted when the piece did not start at the file's first line."""

    records: int = 0
    signins: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    examples: list[tuple[int, str, str]] = field(default_factory=list)
    _pending: list[tuple[int, str, str]] = field(default_factory=list)

    def skip(self, reason: str, record: int | None = None, detail: str = "") -> None:
        self._pending.append((record or 0, reason, detail))

    def settle(self) -> None:
        """Orders the skips of the chunk just read by line (a fast path meets them out of order)."""
        for number, reason, detail in sorted(self._pending, key=lambda skip: skip[0]):
            self.counts[reason] += 1
            if len(self.examples) < MAX_EXAMPLES:
                self.examples.append((number, reason, detail))
        self._pending.clear()

    def replay(self, stats: InputStats, lines_before: int = 0) -> None:
        self.settle()
        stats.records += self.records
        stats.signins += self.signins
        for number, reason, detail in self.examples:
            stats.skip(reason, number + lines_before, detail)
        for reason, count in self.counts.items():
            stats.skips.counts[reason] += count - sum(1 for e in self.examples if e[1] == reason)


class Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...

    def readline(self, size: int = -1, /) -> bytes: ...


def chunks(stream: Readable, size: int | None = None) -> Iterator[tuple[int, list[bytes]]]:
    """(number of the first line, the lines) of whole lines at a time, until the stream ends."""
    number = 1
    while True:
        data = stream.read(size or CHUNK_BYTES)
        if not data:
            return
        if data.endswith(b"\r"):  # perhaps half a "\r\n": keep the pair whole
            data += stream.readline()
        lines = data.splitlines()
        if not data.endswith((b"\n", b"\r")):  # the chunk ends inside a line: finish it
            lines.extend((lines.pop() + stream.readline()).splitlines())
        yield number, lines
        number += len(lines)  # every line but the file's last ends in a line break


def read_chunks(
    stream: BinaryIO, origin: str, stats: InputStats, read_chunk: ChunkReader
) -> Iterator[pa.RecordBatch]:
    """Every chunk of `stream` through a fast path, skips counted in file order."""
    for number, lines in chunks(stream):
        tally = Tally()
        with collector_paused():
            batch = read_chunk(lines, number, origin, tally)
        tally.replay(stats)
        if batch is not None and batch.num_rows:
            yield batch


def read_piece(
    path: str, start: int, end: int, origin: str, read_chunk: ChunkReader
) -> tuple[list[pa.RecordBatch], Tally, int]:
    """In a worker: (batches, tally, line breaks) of bytes [start, end), lines counted from 1."""
    batches = []
    tally = Tally()
    number = 1
    with open(path, "rb") as file:
        file.seek(start)
        for first, lines in chunks(_Window(file, end - start)):
            with collector_paused():
                batch = read_chunk(lines, first, origin, tally)
            tally.settle()
            if batch is not None and batch.num_rows:
                batches.append(batch)
            number = first + len(lines)
    return batches, tally, number - 1


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a chunk is read. A chunk allocates hundreds of
    thousands of tuples without a single cycle, and the collector walking them (and every
    cached key) again and again costs a sixth of the reading."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Window:
    """The next `length` bytes of a file, as a stream (a piece ends where a line does)."""

    def __init__(self, file: BinaryIO, length: int) -> None:
        self.file, self.remaining = file, length

    def read(self, size: int) -> bytes:
        data = self.file.read(max(min(size, self.remaining), 0))
        self.remaining -= len(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        data = self.file.readline(self.remaining) if self.remaining > 0 else b""
        self.remaining -= len(data)
        return data


def pieces(path: str, size: int | None = None) -> list[tuple[int, int]]:
    """Byte ranges of about `size` that start a line, covering the whole file."""
    size = size or PIECE_BYTES
    total = os.path.getsize(path)
    bounds = [0]
    with open(path, "rb") as file:
        while bounds[-1] + size < total:
            file.seek(bounds[-1] + size)
            file.readline()
            if file.tell() >= total:
                break
            bounds.append(file.tell())
    bounds.append(total)
    return list(pairwise(bounds))


def shift_records(batch: pa.RecordBatch, lines_before: int) -> pa.RecordBatch:
    """`batch` with its line numbers moved on by `lines_before`."""
    if not lines_before:
        return batch
    index = batch.schema.get_field_index("record")
    shifted = pc.add(batch.column(index), pa.scalar(lines_before, pa.int64()))
    return batch.set_column(index, batch.schema.field(index), shifted)
