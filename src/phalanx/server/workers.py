"""Worker processes that read reported mail: bounded in time and memory, replaced when they die.

Reported mail is hostile input. Each worker is a separate process with an address-space limit
(a zip bomb or a parser bug costs that process, not the service), and each job has a deadline:
a worker that overruns it is killed and replaced, and the job ends in a clear error. Three
kinds of job:

- "report": a staff member's report -> [(how, sha256, analysis)] for each message it carries
  (mail/extract.py, then mail/analyze.py): the common case, one round trip;
- "split": the same without analysis -> [(how, sha256)], and "analyse": one message -> its
  analysis. The service falls back to these when a "report" job fails, so that one bad message
  among several costs only itself.

Workers store each message they extract in the blob store themselves (hashing and fsync in
parallel, off the dispatcher's thread) and answer with its SHA-256, not its bytes. A second
thread of the worker writes and flushes those blobs and sends the answer once they are on disk,
while the worker analyses the next job.

The pool is driven by one thread (the service's dispatcher): `submit` a job to an idle worker,
`collect` what finished. Workers come from a fork server that has imported the mail modules and
the program's own modules: multiprocessing runs the main module again in every child, which
otherwise imports the whole command line (about a second of CPU a worker). So starting or
replacing a worker costs milliseconds.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import queue
import sys
import threading
import time
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, Literal

from phalanx.config.mail import MailSettings
from phalanx.store.blobs import BlobError, BlobStore

Kind = Literal["report", "split", "analyse"]


@dataclass(frozen=True)
class Job:
    key: Hashable
    kind: Kind
    digest: str  # the message or report in the blob store: the worker reads it from there


@dataclass(frozen=True)
class Done:
    job: Job
    # report: [(how, sha256, analysis)]; split: [(how, sha256)]; analyse: the analysis
    value: Any
    error: str | None = None


# Jobs a worker holds at once: the one it works on and those behind it, so that it never waits
# while the dispatcher writes results (a commit and the takedown cases take 10-20 ms on a busy
# disk: several reports' analysis) nor while its answers wait for the disk. Jobs are a digest,
# not the message, so sending never blocks.
_DEPTH = 8


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    jobs: deque[Job] = field(default_factory=deque)
    started: float = 0.0  # when the first job in `jobs` began


class AnalysisPool:
    def __init__(
        self,
        settings: MailSettings,
        workers: int,
        time_limit_seconds: float,
        memory_limit_mb: int,
        blob_root: Path,
    ) -> None:
        self._settings = settings
        self._blob_root = blob_root
        self._time_limit = time_limit_seconds
        self._memory_limit = memory_limit_mb
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(_preload())
        self._workers = [self._start() for _ in range(max(1, workers))]

    def __enter__(self) -> AnalysisPool:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def size(self) -> int:
        return len(self._workers)

    def idle(self) -> int:
        """How many more jobs the workers can take now."""
        return sum(_DEPTH - len(w.jobs) for w in self._workers)

    def busy(self) -> int:
        """How many jobs are with the workers."""
        return sum(len(w.jobs) for w in self._workers)

    def submit(self, job: Job) -> None:
        """Give `job` to the least busy worker (call only when idle() > 0)."""
        worker = min(self._workers, key=lambda w: len(w.jobs))
        if not worker.jobs:
            worker.started = time.monotonic()
        worker.jobs.append(job)
        self._send(worker, job)

    def collect(self, wait: float) -> list[Done]:
        """Finished jobs, waiting at most `wait` seconds for the first one."""
        busy = [w for w in self._workers if w.jobs]
        if not busy:
            return []
        deadline = min(w.started for w in busy) + self._time_limit
        timeout = max(0.0, min(wait, deadline - time.monotonic()))
        ready = multiprocessing.connection.wait([w.conn for w in busy], timeout)
        done: list[Done] = []
        for worker in busy:
            while worker.jobs and worker.conn in ready:
                done.append(self._receive(worker))
                if not worker.conn.poll(0):
                    break
        now = time.monotonic()
        for worker in busy:
            if worker.jobs and now - worker.started > self._time_limit:
                why = f"stopped after {self._time_limit:g} s (the per-message time limit)"
                done.append(self._replace(worker, why))
        return done

    def close(self) -> None:
        for worker in self._workers:
            with contextlib.suppress(BrokenPipeError, OSError):
                worker.conn.send(None)
        for worker in self._workers:
            worker.process.join(timeout=2)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()
        self._workers = []

    def _send(self, worker: _Worker, job: Job) -> None:
        # A worker that died meanwhile: collect() sees it and ends the job in an error.
        with contextlib.suppress(BrokenPipeError, OSError):
            worker.conn.send((job.kind, job.digest))

    def _receive(self, worker: _Worker) -> Done:
        try:
            ok, value = worker.conn.recv()
        except (EOFError, OSError):
            code = worker.process.exitcode
            return self._replace(worker, f"the worker reading it died (exit code {code}); "
                                         "the message may exhaust the memory limit")
        job = worker.jobs.popleft()
        worker.started = time.monotonic()
        return Done(job, value if ok else None, None if ok else str(value))

    def _replace(self, worker: _Worker, why: str) -> Done:
        """The worker's current job ends in `why`; a fresh worker takes the jobs behind it."""
        job = worker.jobs.popleft()
        worker.process.kill()
        worker.process.join()
        worker.conn.close()
        fresh = self._start()
        worker.process, worker.conn, worker.started = fresh.process, fresh.conn, time.monotonic()
        for waiting in worker.jobs:
            self._send(worker, waiting)
        return Done(job, None, why)

    def _start(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=_serve,
            args=(child, self._settings, self._memory_limit, self._blob_root),
            daemon=True,
        )
        process.start()
        child.close()
        return _Worker(process, parent)


def _preload() -> list[str]:
    """What the fork server imports once for all workers: the mail modules, and the modules of
    this program the parent has loaded, which each child would otherwise import again when
    multiprocessing re-runs the main module in it. The main module itself is left to that re-run
    (runpy warns when a module it is told to run was imported already)."""
    main = getattr(getattr(sys.modules.get("__main__"), "__spec__", None), "name", None)
    loaded = sorted(n for n in sys.modules if n.split(".")[0] == "phalanx" and n != main)
    return list(dict.fromkeys([*loaded, "phalanx.mail.analyze", "phalanx.mail.extract"]))


def _serve(
    conn: Connection, settings: MailSettings, memory_limit_mb: int, blob_root: Path
) -> None:
    """A worker's life: take a job, answer (True, value) or (False, why), until told to stop."""
    _limit_memory(memory_limit_mb)
    blobs = BlobStore(blob_root)
    from phalanx.mail.analyze import analyze
    from phalanx.mail.extract import split_report

    answers = _Answers(conn, blobs)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if message is None:
            answers.close()
            return
        kind, digest = message
        extracted: list[bytes] = []
        try:
            raw = blobs.get(digest)
            if kind == "analyse":
                value: Any = analyze(raw, settings).to_dict()
            else:
                parts = split_report(raw)
                extracted = [part.raw for part in parts]
                found = [(part.how, BlobStore.digest(part.raw)) for part in parts]
                if kind == "report":
                    value = [(*f, analyze(p.raw, settings, p.message).to_dict())
                             for f, p in zip(found, parts, strict=True)]
                else:
                    value = found
            reply: tuple[bool, Any] = (True, value)
        except BlobError as exc:
            reply = (False, str(exc))
        except MemoryError:
            reply = (False, "reading it needed more memory than the per-worker limit")
        except Exception as exc:  # one message's bug must not end the worker
            reply = (False, f"{type(exc).__name__}: {exc}")
        answers.send(reply, extracted if reply[0] else [])


class _Answers:
    """A worker's second thread: it stores the messages a job extracted, durably, then sends the
    job's answer, so the answer never names a blob that is not on disk. Answers go in the order
    the jobs came; those that queued up while the disk flushed are stored as one batch; and the
    worker analyses the next job meanwhile instead of waiting for the disk."""

    def __init__(self, conn: Connection, blobs: BlobStore) -> None:
        self._conn = conn
        self._blobs = blobs
        self._queue: queue.SimpleQueue[tuple[list[bytes], tuple[bool, Any]] | None] = (
            queue.SimpleQueue()
        )
        self._thread = threading.Thread(target=self._run, name="phalanx-answers", daemon=True)
        self._thread.start()

    def send(self, reply: tuple[bool, Any], extracted: list[bytes]) -> None:
        self._queue.put((extracted, reply))

    def close(self) -> None:
        """Send what is waiting, then stop."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch: list[tuple[list[bytes], tuple[bool, Any]]] = []
            item = self._queue.get()
            while item is not None:
                batch.append(item)
                if self._queue.empty():
                    break
                item = self._queue.get()
            stopping = item is None
            try:
                self._blobs.put_many([raw for extracted, _ in batch for raw in extracted])
                replies = [reply for _, reply in batch]
            except Exception:  # job by job, so that one that cannot be stored fails alone
                replies = [self._stored(extracted, reply) for extracted, reply in batch]
            for reply in replies:
                with contextlib.suppress(BrokenPipeError, OSError):
                    self._conn.send(reply)

    def _stored(self, extracted: list[bytes], reply: tuple[bool, Any]) -> tuple[bool, Any]:
        try:
            self._blobs.put_many(extracted)
        except Exception as exc:  # the disk failed: this job fails, the worker goes on
            return (False, f"storing what it carries failed: {type(exc).__name__}: {exc}")
        return reply


def _limit_memory(megabytes: int) -> None:
    if megabytes <= 0:
        return
    try:
        import resource

        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass  # not on this platform: the time limit still holds


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
