"""The reporting service: reports in; analyses, campaigns, takedown cases and replies out.

    service = ReportingService(settings, Store.open(settings.server))
    sid = service.submit(raw, "smtp", reporter="alice@uni.example")  # durable when it returns
    service.start()        # threads: dispatcher (workers), reply sender, liveness checker
    service.stop()

    service.process_until_idle()   # the dispatcher's work in the calling thread (ingest, tests)

Intake only stores (store.accept): it never parses what it was given, so a hostile report cannot
slow or crash it. The dispatcher hands stored reports to worker processes (workers.py), writes
what they find together with the takedown cases it opens or updates (one transaction a batch),
then feeds the campaign index; a reply to the reporter is marked "pending" in the same
transaction and sent by its own thread, so a slow relay never holds up analysis and a restart
sends what was left unsent. Everything the dispatcher has
not recorded is still "received" or "queued" in the store and is taken up again at start.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from phalanx.config import Settings
from phalanx.core.errors import PhalanxError
from phalanx.mail import feedback, takedown
from phalanx.mail.analyze import Analysis
from phalanx.mail.campaigns import Campaign, CampaignIndex
from phalanx.mail.takedown import Status, TakedownCase
from phalanx.server.workers import AnalysisPool, Done, Job, default_workers
from phalanx.store.blobs import BlobError
from phalanx.store.db import (
    Analysed,
    Incoming,
    Part,
    QueuedReport,
    Store,
    Submission,
    report_id,
)

log = logging.getLogger("phalanx.server")

_BATCH_REPORTS = 64
_BATCH_SECONDS = 0.1
_READY_PER_WORKER = 16


class ReportRefused(PhalanxError):
    """A report the intake will not store (too big, empty)."""


@dataclass
class Progress:
    """What a run of the dispatcher has done, for the CLI's summary and the status page."""

    submissions: int = 0
    reports: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (report id, why)


class ReportingService:
    def __init__(self, settings: Settings, store: Store, workers: int | None = None) -> None:
        self.settings = settings
        self.store = store
        self.workers = workers or settings.server.workers or default_workers()
        self.progress = Progress()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._index: CampaignIndex | None = None
        self._index_lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    # --- intake -----------------------------------------------------------------------------

    def submit(
        self, raw: bytes, source: str, reporter: str | None = None, note: str = ""
    ) -> int:
        """Store one report durably; its submission id is the acknowledgement."""
        return self.submit_many([Incoming(raw, source, reporter, note)])[0]

    def submit_many(self, items: Sequence[Incoming]) -> list[int]:
        for item in items:
            self.check_size(len(item.raw))
        ids = self.store.accept_many(items)
        self._wake.set()
        return ids

    def check_size(self, size: int) -> None:
        limit = self.settings.server.max_report_bytes
        if size > limit:
            raise ReportRefused(f"report of {size:,} bytes is over the {limit:,}-byte limit")

    # --- running ----------------------------------------------------------------------------

    def start(self) -> None:
        """Run the dispatcher, and the reply and liveness threads when configured, until stop()."""
        self._stopping.clear()
        self._spawn("phalanx-dispatcher", self._dispatch_forever)
        if self.settings.server.feedback.enabled:
            self._spawn("phalanx-replies", self._reply_forever)
        if self.settings.server.takedown.network_enabled:
            self._spawn("phalanx-liveness", self._check_forever)

    def stop(self, timeout: float = 15.0) -> None:
        self._stopping.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []

    def process_until_idle(
        self,
        on_report: Callable[[int], None] | None = None,
        input_done: threading.Event | None = None,
    ) -> Progress:
        """Analyse everything waiting in the store, in the calling thread, then return.

        With `input_done`, reports still being stored (by another thread) are waited for until
        the event is set: storing and analysing then overlap.
        """
        with self._pool() as pool:
            _Dispatcher(self, pool, on_report).run(until_idle=True, input_done=input_done)
        return self.progress

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _pool(self) -> AnalysisPool:
        server = self.settings.server
        return AnalysisPool(
            self.settings.mail,
            self.workers,
            server.analysis_time_limit_seconds,
            server.worker_memory_mb,
            self.store.blobs.root,
        )

    def _dispatch_forever(self) -> None:
        self._ensure_index()
        with self._pool() as pool:
            _Dispatcher(self, pool, None).run(until_idle=False)

    def _reply_forever(self) -> None:
        while not self._stopping.is_set():
            if not self.send_replies():
                self._stopping.wait(2.0)

    def _check_forever(self) -> None:
        while not self._stopping.is_set():
            self.check_takedowns()
            self._stopping.wait(60.0)

    # --- campaigns --------------------------------------------------------------------------

    def _ensure_index(self) -> CampaignIndex:
        with self._index_lock:
            if self._index is None:
                index = CampaignIndex(
                    self.settings.server.campaigns, self.settings.mail.organisation_domains
                )
                for rid, analysis in self.store.analyses():
                    index.add(rid, analysis)
                self._index = index
            return self._index

    def _index_add(self, analysed: Iterable[tuple[str, Mapping[str, Any]]]) -> None:
        with self._index_lock:
            if self._index is None:
                return  # built from the store, with these, on first use
            for rid, analysis in analysed:
                self._index.add(rid, analysis)

    def campaigns(self) -> list[Campaign]:
        index = self._ensure_index()
        with self._index_lock:
            return index.campaigns()

    def explain(self, rid: str) -> list[str]:
        index = self._ensure_index()
        with self._index_lock:
            return index.explain(rid)

    # --- takedown cases ---------------------------------------------------------------------

    def _cases(self, analysed: Iterable[Finished]) -> list[TakedownCase]:
        """The takedown cases these analyses open, or update as they stand in the store."""
        found: dict[str, TakedownCase] = {}
        domains = self.settings.mail.organisation_domains
        for rid, analysis, at in analysed:
            for case in takedown.cases_from_analysis(rid, analysis, at, domains):
                earlier = found.get(case.key)
                found[case.key] = takedown.merge(earlier, case) if earlier else case
        if not found:
            return []
        stored = self.store.takedowns(found)
        return [
            takedown.merge(stored[key], case) if key in stored else case
            for key, case in found.items()
        ]

    def set_takedown_status(self, key: str, status: Status, note: str = "") -> TakedownCase:
        """A person moves a case on (reported to the host, closed...)."""
        case = self.store.takedowns([key]).get(key)
        if case is None:
            raise KeyError(key)
        moved = takedown.transition(case, status, datetime.now(UTC), note)
        self.store.save_takedowns([moved])
        if status is Status.DOWN:
            self._tell_reporters(moved)
        return moved

    def check_takedowns(self) -> int:
        """One pass of the liveness checker; how many cases it checked."""
        settings = self.settings.server.takedown
        now = datetime.now(UTC)
        due = [c for c in self.store.list_takedowns(limit=100_000)
               if takedown.due_for_check(c, now, settings)]
        for case in due:
            result = takedown.check_liveness(case.key, settings)
            checked = takedown.apply_liveness(case, result, datetime.now(UTC))
            self.store.save_takedowns([checked])
            if checked.status is Status.DOWN and case.status is not Status.DOWN:
                self._tell_reporters(checked)
        return len(due)

    def evidence_pack(self, key: str) -> bytes:
        case = self.store.takedowns([key]).get(key)
        if case is None:
            raise KeyError(key)
        reports = [
            (row["id"], row["analysis"] or {}, self._headers_text(row["sha256"]))
            for row in self.store.reports_by_id(case.report_ids)
        ]
        return takedown.evidence_pack(case, reports)

    def _headers_text(self, digest: str) -> str:
        try:
            raw = self.store.blobs.get(digest)
        except BlobError as exc:
            return f"(headers unavailable: {exc})"
        end = raw.find(b"\r\n\r\n")
        end = raw.find(b"\n\n") if end < 0 else end
        return raw[: end if end >= 0 else 65536][:65536].decode("utf-8", "replace")

    # --- replies to reporters ---------------------------------------------------------------

    def wants_reply(self, reporter: str | None, analysis: Mapping[str, Any]) -> bool:
        settings = self.settings.server.feedback
        return bool(
            settings.enabled
            and reporter
            and analysis.get("verdict") != "error"
            and feedback.may_reply(reporter, settings)
        )

    def send_replies(self) -> int:
        """Send the verdict replies waiting in the store; how many were handled."""
        settings = self.settings.server.feedback
        pending = self.store.pending_replies(50)
        for rid, reporter, analysis in pending:
            try:
                sent = feedback.send(feedback.verdict_reply(reporter, analysis, settings), settings)
                self.store.mark_reply(rid, "sent" if sent else "skipped")
            except feedback.FeedbackError as exc:
                log.warning("reply for report %s not sent: %s", rid, exc)
                self.store.mark_reply(rid, "failed")
        return len(pending)

    def _tell_reporters(self, case: TakedownCase) -> None:
        settings = self.settings.server.feedback
        if not settings.enabled:
            return
        reporters = {r["reporter"] for r in self.store.reports_by_id(case.report_ids)}
        for reporter in sorted(r for r in reporters if r and feedback.may_reply(r, settings)):
            try:
                feedback.send(feedback.takedown_reply(reporter, case, settings), settings)
            except feedback.FeedbackError as exc:
                log.warning("takedown reply for %s not sent: %s", case.key, exc)


# A report whose analysis is recorded: (report id, analysis, when it was received).
Finished = tuple[str, Mapping[str, Any], datetime]


def _finished(sub: Submission, parts: Sequence[Part]) -> list[Finished]:
    return [
        (report_id(sub.id, i), p.analysis, sub.received_at)
        for i, p in enumerate(parts)
        if p.analysis is not None
    ]


def error_analysis(why: str) -> dict[str, Any]:
    return Analysis("error", 0, "none", reasons=(why,), error=why).to_dict()


class _Dispatcher:
    """Keeps every worker busy with stored work and records what comes back, in batches."""

    def __init__(
        self,
        service: ReportingService,
        pool: AnalysisPool,
        on_report: Callable[[int], None] | None,
    ) -> None:
        self.service = service
        self.store = service.store
        self.pool = pool
        self.on_report = on_report
        self.ready: deque[Job] = deque()
        self.claimed_submissions: set[int] = set()
        self.claimed_reports: set[str] = set()
        self.handed_out = 0  # the highest submission id given to a worker

    def run(self, until_idle: bool, input_done: threading.Event | None = None) -> None:
        service = self.service
        finished: list[Done] = []
        oldest = 0.0
        while not service._stopping.is_set():
            if len(self.ready) < 2 * self.pool.size:
                self._refill()
            while self.ready and self.pool.idle():
                self.pool.submit(self.ready.popleft())
            if not self.pool.busy():
                if finished:
                    self._record(finished)
                    finished = []
                    continue
                if until_idle and (input_done is None or input_done.is_set()):
                    # Stored just before the event was set? One more look, then stop.
                    self._refill()
                    if not self.ready:
                        return
                    continue
                service._wake.wait(1.0)
                service._wake.clear()
                continue
            got = self.pool.collect(wait=0.05 if finished else 0.5)
            if got and not finished:
                oldest = time.monotonic()
            finished += got
            # Results are written in batches, one transaction for many reports: committing each
            # alone would make the store, not the workers, the bottleneck. A batch waits at
            # most _BATCH_SECONDS, so a single report is still recorded at once.
            if finished and (
                len(finished) >= _BATCH_REPORTS or time.monotonic() - oldest >= _BATCH_SECONDS
            ):
                self._record(finished)
                finished = []
        if finished:
            self._record(finished)

    def _refill(self) -> None:
        want = _READY_PER_WORKER * self.pool.size
        for report in self.store.reports_to_analyse(want, self.claimed_reports):
            self.claimed_reports.add(report.id)
            self.ready.append(Job(report, "analyse", report.sha256))
        # Submissions are taken in id order: those after the last one handed out, and from the
        # start only when there are none (a lower id PostgreSQL committed late; a restart).
        room = want - len(self.ready)
        subs = self.store.submissions_to_split(room, after=self.handed_out) if room > 0 else []
        if not subs and room > 0:
            subs = self.store.submissions_to_split(room + len(self.claimed_submissions))
        for sub in (s for s in subs if s.id not in self.claimed_submissions):
            if len(self.ready) >= want:
                break
            self.claimed_submissions.add(sub.id)
            self.handed_out = max(self.handed_out, sub.id)
            self.ready.append(Job(sub, "report", sub.sha256))

    def _record(self, done: list[Done]) -> None:
        split: list[tuple[Submission, list[Part]]] = []
        analysed: list[Analysed] = []
        follow_up: list[Job] = []
        finished: list[Finished] = []
        for item in done:
            key = item.job.key
            if isinstance(key, Submission):
                parts = self._parts(key, item, follow_up)
                if parts is not None:
                    split.append((key, parts))
                    finished += _finished(key, parts)
            elif isinstance(key, QueuedReport):
                analysis = item.value if item.error is None else error_analysis(item.error)
                reply = self.service.wants_reply(key.reporter, analysis)
                analysed.append(Analysed(key.id, analysis, reply))
                finished.append((key.id, analysis, key.received_at))
        if split or analysed:  # the reports, their analyses, the cases they open: one commit
            self.store.record(split, analysed, self.service._cases(finished))
        self.claimed_submissions.difference_update(sub.id for sub, _ in split)
        self.claimed_reports.difference_update(a.report_id for a in analysed)
        self.service.progress.submissions += len(split)
        self.ready.extendleft(reversed(follow_up))
        self._after_commit(finished)

    def _parts(self, sub: Submission, item: Done, follow_up: list[Job]) -> list[Part] | None:
        """The parts to record for a finished "report" or "split" job; None when the report
        goes round again as smaller jobs."""
        if item.error is not None:
            if item.job.kind == "report":
                # Split without analysing, then analyse message by message: a message that
                # hangs or kills its worker then costs only itself.
                follow_up.append(Job(sub, "split", item.job.digest))
                return None
            return [self._unreadable(sub, f"could not read the report: {item.error}")]
        if not item.value:
            return [self._unreadable(sub, "no message found in the report")]
        parts: list[Part] = []
        for position, found in enumerate(item.value):
            how, digest = found[0], found[1]
            if item.job.kind == "report":
                analysis = found[2]
                reply = self.service.wants_reply(sub.reporter, analysis)
                parts.append(Part(how, digest, analysis, reply))
            else:
                parts.append(Part(how, digest))
                queued = QueuedReport(report_id(sub.id, position), digest, sub.reporter,
                                      sub.received_at)
                self.claimed_reports.add(queued.id)
                follow_up.append(Job(queued, "analyse", digest))
        return parts

    def _unreadable(self, sub: Submission, why: str) -> Part:
        return Part("unreadable", sub.sha256, error_analysis(why))

    def _after_commit(self, finished: list[Finished]) -> None:
        if not finished:
            return
        good = [(rid, a) for rid, a, _ in finished if a.get("verdict") != "error"]
        self.service._index_add(good)
        self._count(finished)

    def _count(self, finished: list[Finished]) -> None:
        progress = self.service.progress
        for rid, analysis, _ in finished:
            progress.reports += 1
            progress.verdicts[str(analysis.get("verdict"))] += 1
            if analysis.get("verdict") == "error":
                progress.errors.append((rid, str(analysis.get("error"))))
        if self.on_report:
            self.on_report(len(finished))
