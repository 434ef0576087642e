"""Reading every input of a scan into one compact frame, on all cores when it is worth it.

Each input is read by the reader its content names. Plain files large enough are read by
worker processes: a JSON-lines log is cut into pieces at line ends (each worker numbers its
piece's lines from 1, and the pieces' sign-ins, line numbers and skips are shifted back here),
any other plain log, or a .gz file, is read whole by one worker (two rotated .gz logs are
read at once). Archive members are read here. The frame keeps every string column as a
Categorical, in input order and line order.
"""

from __future__ import annotations

import gzip
import io
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import polars as pl
import pyarrow as pa

from phalanx.config.signins import SigninSettings
from phalanx.signins.readers import InputFile, InputStats, SigninReader, detect, open_inputs
from phalanx.signins.readers import lines as line_chunks
from phalanx.signins.readers.lines import Tally, shift_records
from phalanx.signins.records import COMPACT_SCHEMA, compact

Progress = Callable[[InputFile, int], None]  # (input just read, its size in bytes)

# Below this a plain file is read here: starting workers costs more than it saves.
POOL_FROM_BYTES = 32 * 2**20
GZIP_RATIO = 8  # what a sign-in log shrinks to, about, as .gz: the same threshold unpacked
_IN_PROCESS = frozenset({"evtx"})  # splits large logs over the cores itself


_Piece = tuple[pa.RecordBatch | None, Tally, int]  # sign-ins, what was counted, line breaks
_Whole = tuple[pa.RecordBatch | None, InputStats]
_T = TypeVar("_T")


@dataclass
class _Input:
    source: InputFile
    stats: InputStats
    reader: SigninReader | None = None
    path: str | None = None  # the file on disk behind the input, when there is one
    compressed: bool = False  # the file is a .gz: read whole, never cut into pieces
    pieces: list[Future[_Piece]] = field(default_factory=list)
    piece_jobs: list[tuple[str, int, int, str, str]] = field(default_factory=list)
    whole: Future[_Whole] | None = None
    whole_job: tuple[str, str, SigninSettings] = ("", "", SigninSettings())


def read_all(
    paths: Sequence[Path], settings: SigninSettings, progress: Progress | None = None
) -> tuple[pl.DataFrame, list[InputStats]]:
    """Every sign-in under `paths` as one frame, and what each input gave or skipped."""
    problems: list[InputStats] = []
    inputs = [_recognise(source) for source in open_inputs(paths, problems)]
    frames: list[pl.DataFrame] = []
    pool = _pool(inputs)
    try:
        for item in inputs:
            if pool is not None:
                _submit(pool, item, settings)
        for item in inputs:
            frames.extend(_frames(_collect(item, settings)))
            if progress:
                progress(item.source, item.source.size or 0)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    frame = pl.concat(frames, how="vertical") if frames else _empty()
    return frame, problems + [item.stats for item in inputs]


def _recognise(source: InputFile) -> _Input:
    item = _Input(source, InputStats(path=source.name))
    try:
        head = source.head()
    except (OSError, EOFError, ValueError) as exc:  # a corrupt .gz fails on its first read
        item.stats.skip("unreadable", detail=str(exc))
        return item
    item.reader = detect(source, head)
    if item.reader is None:
        item.stats.skip("unknown_format", detail="no reader recognises this content")
        return item
    item.stats.format = item.reader.NAME
    item.path, item.compressed = _local_file(source)
    return item


def _local_file(source: InputFile) -> tuple[str | None, bool]:
    """The file on disk behind `source` (a plain file or a .gz, not a .zip member), and
    whether it is compressed."""
    with source.open() as stream:
        compressed = isinstance(stream, gzip.GzipFile)
        raw = stream.fileobj if isinstance(stream, gzip.GzipFile) else stream
        if isinstance(raw, io.BufferedReader) and isinstance(raw.raw, io.FileIO):
            name = raw.raw.name
            return (name, compressed) if isinstance(name, str) else (None, False)
    return None, False


def _pooled(item: _Input) -> bool:
    threshold = POOL_FROM_BYTES // GZIP_RATIO if item.compressed else POOL_FROM_BYTES
    return (
        item.reader is not None
        and item.reader.NAME not in _IN_PROCESS
        and item.path is not None
        and (item.source.size or 0) >= threshold
    )


def _pool(inputs: list[_Input]) -> ProcessPoolExecutor | None:
    if _cores() < 2 or not any(_pooled(item) for item in inputs):
        return None
    # Not fork: the caller may run threads (Arrow's, a web server's) a fork would break. A fork
    # server imports the readers once and forks each worker from that.
    try:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        return ProcessPoolExecutor(_cores(), mp_context=context)
    except (OSError, RuntimeError, ValueError):  # e.g. inside a daemon process
        return None


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _submit(pool: ProcessPoolExecutor, item: _Input, settings: SigninSettings) -> None:
    if not _pooled(item):
        return
    assert item.reader is not None and item.path is not None
    name, reader = item.source.name, item.reader.NAME
    pieces = _pieces(item)
    if pieces:
        item.piece_jobs = [(item.path, start, end, name, reader) for start, end in pieces]
        item.pieces = [pool.submit(_read_piece, *job) for job in item.piece_jobs]
    else:
        item.whole_job = (name, reader, settings)
        item.whole = pool.submit(_read_file, item.path, *item.whole_job)


def _pieces(item: _Input) -> list[tuple[int, int]]:
    """Byte ranges for a JSON-lines log that can be read in pieces; [] to read it whole."""
    read_chunk = getattr(item.reader, "read_chunk", None)
    lines_only = getattr(item.reader, "is_json_lines", None)
    if read_chunk is None or item.path is None or item.compressed:
        return []
    if lines_only is not None and not lines_only(item.source.head()):
        return []
    ranges = line_chunks.pieces(item.path)
    return ranges if len(ranges) > 1 else []


def _collect(item: _Input, settings: SigninSettings) -> Iterator[pa.RecordBatch]:
    """The input's compact batches, from its workers or read here; its stats filled in."""
    if item.reader is None:
        return
    if item.whole is not None:
        assert item.path is not None
        future, item.whole = item.whole, None  # a finished future keeps its result: let go
        whole, stats = _result(future, _read_file, item.path, *item.whole_job)
        item.stats.records, item.stats.signins = stats.records, stats.signins
        item.stats.skips.merge(stats.skips)
        if whole is not None:
            yield whole
        return
    if not item.pieces:
        yield from _read_here(item.source, item.stats, item.reader, settings)
        return
    lines_before = 0
    pieces, item.pieces = item.pieces, []
    for job in item.piece_jobs:
        batch, tally, breaks = _result(pieces.pop(0), _read_piece, *job)
        tally.replay(item.stats, lines_before)
        if batch is not None:
            yield shift_records(batch, lines_before)
        lines_before += breaks


def _result(job: Future[_T], function: Callable[..., _T], *arguments: object) -> _T:
    """A worker's result; if the pool broke (a worker killed, a script without a
    `__main__` guard that the fork server cannot import), the same work done here."""
    try:
        return job.result()
    except BrokenProcessPool:
        return function(*arguments)


def _read_here(
    source: InputFile, stats: InputStats, reader: SigninReader, settings: SigninSettings
) -> Iterator[pa.RecordBatch]:
    read_compact = getattr(reader, "read_compact", None)
    try:
        if read_compact is not None:
            yield from read_compact(source, stats, settings)
        else:
            yield from (compact(batch) for batch in reader.read(source, stats, settings))
    except (OSError, EOFError, ValueError) as exc:
        # Readers skip bad records themselves; this is the stream itself failing mid-way
        # (a truncated .gz, a zip member that cannot be inflated).
        stats.skip("unreadable", detail=f"stopped reading: {exc}")


def _read_piece(path: str, start: int, end: int, name: str, reader_name: str) -> _Piece:
    """In a worker: one piece of a JSON-lines log, its lines numbered from 1."""
    from phalanx.signins.readers import reader_named

    read_chunk = reader_named(reader_name).read_chunk  # type: ignore[attr-defined]
    batches, tally, breaks = line_chunks.read_piece(path, start, end, name, read_chunk)
    return _one_batch(batches), tally, breaks


def _read_file(path: str, name: str, reader_name: str, settings: SigninSettings) -> _Whole:
    """In a worker: a whole plain or .gz file."""
    from phalanx.signins.readers import reader_named

    (source,) = open_inputs([Path(path)], [])
    stats = InputStats(path=name)
    batches = list(_read_here(source, stats, reader_named(reader_name), settings))
    return _one_batch(batches), stats


def _one_batch(batches: list[pa.RecordBatch]) -> pa.RecordBatch | None:
    """The batches as one (one dictionary per column: what crosses between processes)."""
    if not batches:
        return None
    table = pa.Table.from_batches(batches, schema=COMPACT_SCHEMA).unify_dictionaries()
    return table.combine_chunks().to_batches()[0] if table.num_rows else None


def _frames(batches: Iterator[pa.RecordBatch]) -> Iterator[pl.DataFrame]:
    """Compact batches as frames, one each: Arrow's copy goes as soon as Polars has its own."""
    for batch in batches:
        frame = pl.from_arrow(batch, rechunk=False)
        assert isinstance(frame, pl.DataFrame)
        yield frame


def _empty() -> pl.DataFrame:
    frame = pl.from_arrow(COMPACT_SCHEMA.empty_table())
    assert isinstance(frame, pl.DataFrame)
    return frame
