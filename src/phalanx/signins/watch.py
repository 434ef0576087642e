"""Live watch: follow growing logs, keep a bounded window, emit findings as they form.

The same detectors as the batch scan run over the retained window after every poll; they use
event time only, so a watch and a scan of the same lines agree. What leaves the window is not
all forgotten: the failures an hour-of-week baseline counts (light sources, typos dropped) are
kept for `baseline_weeks`, so a distributed spray is judged against the same hours of earlier
weeks, as a scan of those weeks would judge it. State (file offsets, the retained sign-ins,
the kept failures, what was already emitted) is checkpointed atomically after every poll, so
a restart neither misses nor double-counts a line.

Files are followed like `tail -F`: a rotated file (same path, new inode) is drained to its end
before the new one is opened from its start; a truncated file (copytruncate) starts again at 0;
a partial last line waits for its newline.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import orjson
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from phalanx.config.signins import SigninSettings
from phalanx.core.finding import Finding
from phalanx.signins.detect import detect_all
from phalanx.signins.detectors.distributed import HISTORY_COLUMNS, History, history_rows
from phalanx.signins.detectors.prepare import prepare
from phalanx.signins.readers import InputFile, InputStats, SigninReader, detect
from phalanx.signins.readers.base import HEAD_BYTES
from phalanx.signins.records import conform
from phalanx.signins.schema import SIGNIN_SCHEMA
from phalanx.signins.tune import tune

STATE_VERSION = 1
MAX_RETAINED_ROWS = 5_000_000  # the memory bound whatever the horizons: oldest rows go first
MAX_HISTORY_ROWS = 2_000_000  # the kept failures' bound: oldest go first
HISTORY_SCHEMA = pl.Schema(
    {
        "fingerprint": pl.String(),
        "time": pl.Datetime("us", "UTC"),
        "account": pl.String(),
        "source": pl.String(),
    }
)


@dataclass
class Followed:
    """One followed file: where we are in it and which reader understands it."""

    path: str
    inode: int = 0
    offset: int = 0
    lines: int = 0  # lines consumed so far: record numbers stay absolute across polls
    reader: str = ""


@dataclass
class Emitted:
    kind: str
    key: str
    last_seen: str
    attempts: int
    compromised: int


@dataclass
class WatchState:
    files: dict[str, Followed] = field(default_factory=dict)
    emitted: list[Emitted] = field(default_factory=list)
    retained: pa.Table = field(default_factory=lambda: SIGNIN_SCHEMA.empty_table())
    skipped: dict[str, int] = field(default_factory=dict)
    # Failures kept from before the retained window for the hour-of-week baseline, complete
    # from `history_since` on.
    history: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=HISTORY_SCHEMA))
    history_since: datetime | None = None

    def save(self, path: Path) -> None:
        """Atomically: the new state replaces the old only once it is wholly on disk. The kept
        failures go first, beside it (`<state>.history`): a crash between the two leaves
        newer kept failures with older offsets, and rows already kept are not kept twice."""
        meta = {
            "version": STATE_VERSION,
            "files": [vars(f) for f in self.files.values()],
            "emitted": [vars(e) for e in self.emitted],
            "skipped": self.skipped,
            "history_since": _iso(self.history_since),
        }
        _replace(_history_path(path), lambda stream: self.history.write_ipc(stream))
        schema = SIGNIN_SCHEMA.with_metadata({b"phalanx-watch": orjson.dumps(meta)})

        def write(stream: BinaryIO) -> None:
            with pa.ipc.new_file(stream, schema) as writer:
                writer.write_table(self.retained.cast(schema))

        _replace(path, write)

    @classmethod
    def load(cls, path: Path) -> WatchState:
        if not path.exists():
            return cls()
        with pa.memory_map(str(path)) as source:
            table = pa.ipc.open_file(source).read_all()
        meta = orjson.loads((table.schema.metadata or {})[b"phalanx-watch"])
        return cls(
            files={f["path"]: Followed(**f) for f in meta["files"]},
            emitted=[Emitted(**e) for e in meta["emitted"]],
            retained=conform(table),
            skipped=dict(meta["skipped"]),
            history=_load_history(_history_path(path)),
            history_since=_moment(meta.get("history_since", "")),
        )


def retention(settings: SigninSettings) -> timedelta:
    """How far back detection must still see: the longest horizon plus the success window."""
    minutes = max(
        [w.minutes for w in settings.spray.windows]
        + [settings.brute_force.window_minutes, settings.distributed.window_hours * 60]
    )
    return timedelta(minutes=minutes, hours=settings.success.within_hours)


class Watcher:
    def __init__(self, paths: Sequence[Path], settings: SigninSettings, state: WatchState) -> None:
        self.paths = [str(p) for p in paths]
        self.settings = settings
        self.state = state

    def poll(self) -> list[tuple[str, Finding]]:
        """Read what was appended, detect over the window, return (status, finding) to emit."""
        batches = [batch for path in self.paths for batch in self._read_new(path)]
        if batches:
            fresh = pa.Table.from_batches(batches, schema=SIGNIN_SCHEMA)
            combined = pa.concat_tables([self.state.retained, fresh])
            self.state.retained = _bounded(combined, retention(self.settings))
            if self.state.retained.num_rows < combined.num_rows:
                self._keep_leaving(combined)
        history = None
        if self.state.history_since is not None and not self.state.history.is_empty():
            history = History(self.state.history, self.state.history_since)
        findings = detect_all(self.state.retained, self.settings, history)
        return self._news(tune(findings, self.settings.allow_sources))

    def _keep_leaving(self, combined: pa.Table) -> None:
        """Keep, of the rows leaving the window, the failures a later baseline counts; forget
        what is older than `baseline_weeks`."""
        remaining = self.state.retained
        cutoff = pc.min(remaining.column("time")).as_py() if remaining.num_rows else None
        frame = prepare(combined, self.settings.account_aliases)
        leaving = history_rows(frame, self.settings)
        if cutoff is not None:
            leaving = leaving.filter(pl.col("time") < cutoff)
        state = self.state
        if state.history_since is None:
            state.history_since = pc.min(combined.column("time")).as_py()
        kept = pl.concat([state.history, leaving.cast(HISTORY_SCHEMA)])
        horizon = _newest(combined) - timedelta(weeks=self.settings.distributed.baseline_weeks)
        kept = kept.filter(pl.col("time") >= horizon)
        state.history = kept.slice(max(kept.height - MAX_HISTORY_ROWS, 0))
        if state.history_since is not None and state.history_since < horizon:
            state.history_since = horizon

    def _read_new(self, path: str) -> Iterator[pa.RecordBatch]:
        followed = self.state.files.setdefault(path, Followed(path))
        try:
            stat = os.stat(path)
        except OSError:
            return  # not there yet, or between rotations: looked at again next poll
        if followed.inode and stat.st_ino != followed.inode:
            yield from self._drain_rotated(followed)
            followed.offset, followed.lines = 0, 0
        followed.inode = stat.st_ino
        if stat.st_size < followed.offset:  # truncated in place (copytruncate)
            followed.offset, followed.lines = 0, 0
        try:
            chunk, whole = _appended(Path(path), followed.offset)
        except OSError:
            return
        yield from self._consume(followed, chunk, whole)

    def _drain_rotated(self, followed: Followed) -> Iterator[pa.RecordBatch]:
        """What was written to the old file after our last poll, before it was rotated."""
        old = _find_inode(Path(followed.path).parent, followed.inode)
        if old is None:
            return  # rotated away and already removed or compressed: nothing left to read
        with old.open("rb") as stream:
            if _is_evtx(stream):
                return
            stream.seek(followed.offset)
            rest = stream.read()
        yield from self._consume(followed, rest, whole=False)

    def _consume(self, followed: Followed, chunk: bytes, whole: bool) -> Iterator[pa.RecordBatch]:
        if not chunk:
            return
        stats = InputStats(path=followed.path)
        reader = self._reader(followed, chunk)
        if reader is None:
            stats.skip("unknown_format")
        else:
            yield from _renumbered(reader, chunk, followed, stats, self.settings)
        if whole:  # .evtx is re-read whole; `lines` holds the highest record id seen
            followed.offset = len(chunk)
        else:
            followed.offset += len(chunk)
            followed.lines += chunk.count(b"\n")
        for reason, count in stats.skips.counts.items():
            self.state.skipped[reason] = self.state.skipped.get(reason, 0) + count

    def _reader(self, followed: Followed, chunk: bytes) -> SigninReader | None:
        from phalanx.signins.readers import reader_named

        if followed.reader:
            return reader_named(followed.reader)
        found = detect(InputFile(followed.path, lambda: io.BytesIO(chunk)), chunk[:HEAD_BYTES])
        followed.reader = found.NAME if found else ""
        return found

    def _news(self, findings: list[Finding]) -> list[tuple[str, Finding]]:
        news = []
        for finding in findings:
            known = self._known(finding)
            last = _iso(finding.last_seen)
            if known is None:
                self.state.emitted.append(
                    Emitted(
                        finding.kind,
                        _identity(finding),
                        last,
                        finding.attempts,
                        len(finding.compromised),
                    )
                )
                news.append(("new", finding))
            elif len(finding.compromised) > known.compromised or finding.attempts > known.attempts:
                known.last_seen, known.attempts = last, finding.attempts
                known.compromised = len(finding.compromised)
                news.append(("updated", finding))
        horizon = _iso(_newest(self.state.retained) - 2 * retention(self.settings))
        self.state.emitted = [e for e in self.state.emitted if e.last_seen >= horizon]
        return news

    def _known(self, finding: Finding) -> Emitted | None:
        """The emitted finding this one continues: same kind and key, overlapping in time."""
        reach = _iso(finding.first_seen - retention(self.settings)) if finding.first_seen else ""
        for emitted in self.state.emitted:
            if (emitted.kind, emitted.key) == (finding.kind, _identity(finding)) and (
                emitted.last_seen >= reach
            ):
                return emitted
        return None


def _identity(finding: Finding) -> str:
    """A distributed spray is its tool's fingerprint; any other finding is its sources."""
    return str(finding.details.get("fingerprint") or ",".join(finding.sources))


def _appended(path: Path, offset: int) -> tuple[bytes, bool]:
    """The complete lines after `offset`, or the whole file when it is an .evtx that grew
    (binary: it is re-read and the records already seen are skipped); and which it was."""
    with path.open("rb") as stream:
        if _is_evtx(stream):
            size = path.stat().st_size
            return (b"" if size == offset else stream.read()), True
        stream.seek(offset)
        data = stream.read()
    return data[: data.rfind(b"\n") + 1], False  # a partial last line waits for its newline


def _find_inode(folder: Path, inode: int) -> Path | None:
    """A rotated file keeps its inode under its new name (auth.log -> auth.log.1)."""
    try:
        return next((p for p in folder.iterdir() if p.is_file() and p.stat().st_ino == inode), None)
    except OSError:
        return None


def _is_evtx(stream: BinaryIO) -> bool:
    magic = stream.read(8)
    stream.seek(0)
    return magic == b"ElfFile\x00"


def _renumbered(
    reader: SigninReader,
    chunk: bytes,
    followed: Followed,
    stats: InputStats,
    settings: SigninSettings,
) -> Iterator[pa.RecordBatch]:
    """The reader's batches for `chunk`, with line numbers counted from the file's start."""
    source = InputFile(followed.path, lambda: io.BytesIO(chunk), size=len(chunk))
    evtx = reader.NAME == "evtx"
    for batch in reader.read(source, stats, settings):
        if evtx:  # record ids are absolute already; skip those seen in earlier polls
            keep = pc.greater(batch.column("record"), followed.lines)
            batch = batch.filter(keep)
            if batch.num_rows:
                followed.lines = max(followed.lines, pc.max(batch.column("record")).as_py())
        else:
            shifted = pc.add(batch.column("record"), followed.lines)
            index = batch.schema.get_field_index("record")
            batch = batch.set_column(index, batch.schema.field(index), shifted)
        yield batch


def _bounded(table: pa.Table, keep: timedelta) -> pa.Table:
    if table.num_rows == 0:
        return table
    cutoff = _newest(table) - keep
    recent = table.filter(
        pc.greater_equal(table.column("time"), pa.scalar(cutoff, table.schema.field("time").type))
    )
    return recent.slice(max(recent.num_rows - MAX_RETAINED_ROWS, 0))


def _newest(table: pa.Table) -> datetime:
    newest = pc.max(table.column("time")).as_py()
    return newest if newest is not None else datetime(1970, 1, 1)


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def _moment(text: str) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _history_path(state: Path) -> Path:
    return state.with_suffix(state.suffix + ".history")


def _load_history(path: Path) -> pl.DataFrame:
    if not path.exists():  # a state written before failures were kept
        return pl.DataFrame(schema=HISTORY_SCHEMA)
    return pl.read_ipc(path).select(HISTORY_COLUMNS).cast(HISTORY_SCHEMA)


def _replace(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write `path` whole through a temporary file: a crash leaves the old one."""
    temporary = path.with_suffix(path.suffix + ".tmp")
    with temporary.open("wb") as stream:
        write(stream)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, path)
