"""The reporting service's database: SQLite under the data folder by default, PostgreSQL by URL.

One table a thing the service keeps:
- submissions: what staff sent, as received (the raw bytes live in the blob store, named by
  their SHA-256); state "received" until a worker has split it into the message(s) it carries;
- reports: one suspicious message each, queued until analysed; the analysis is kept whole as
  JSON (the campaign index is rebuilt from it at start) beside the columns pages filter on;
- takedowns: one case per malicious URL or domain (mail/takedown.py), kept whole as JSON;
- users, tokens, sessions: who may use the pages and the API (secrets stored only as digests).

A submission row is written only after its bytes are on disk, and the service acknowledges a
report only after the row is committed: a crash at any point loses nothing acknowledged, and
what was not yet analysed is found again by `submissions_to_split` / `reports_to_analyse`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from phalanx.config.server import ServerSettings
from phalanx.mail.takedown import TakedownCase
from phalanx.store.blobs import BlobStore


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Timestamps stored as naive UTC (SQLite keeps no zone) and read back zone-aware."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use UTC-aware times")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


metadata = sa.MetaData()

submissions = sa.Table(
    "submissions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("source", sa.String(16), nullable=False),  # smtp | http | upload | file
    sa.Column("reporter", sa.String(320)),
    sa.Column("note", sa.String(500), nullable=False, default=""),  # file name, SMTP peer...
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Column("state", sa.String(16), nullable=False, index=True),  # received | split
    sa.Column("error", sa.Text),
)

reports = sa.Table(
    "reports",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),  # "<submission>.<position>"
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("extracted_as", sa.String(20), nullable=False),
    sa.Column("state", sa.String(10), nullable=False, index=True),  # queued | done | error
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Column("reporter", sa.String(320)),
    sa.Column("verdict", sa.String(12), index=True),
    sa.Column("score", sa.Integer),
    sa.Column("category", sa.String(40)),
    sa.Column("subject", sa.String(300)),
    sa.Column("sender", sa.String(300)),
    sa.Column("analysis", sa.Text),
    sa.Column("error", sa.Text),
    sa.Column("analysed_at", UTCDateTime),
    sa.Column("reply_state", sa.String(10), index=True),  # pending | sent | failed | None
    sa.Index("ix_reports_submission", "submission_id", "position"),
)

takedowns = sa.Table(
    "takedowns",
    metadata,
    sa.Column("key", sa.String(2048), primary_key=True),
    sa.Column("host", sa.String(255), nullable=False, index=True),
    sa.Column("status", sa.String(12), nullable=False, index=True),
    sa.Column("report_count", sa.Integer, nullable=False),
    sa.Column("last_seen", UTCDateTime, nullable=False),
    sa.Column("data", sa.Text, nullable=False),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("name", sa.String(120), primary_key=True),
    sa.Column("password_hash", sa.String(300), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

tokens = sa.Table(
    "tokens",
    metadata,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("user", sa.String(120), nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
)


@dataclass(frozen=True)
class Incoming:
    """A report as it arrives, before it is stored."""

    raw: bytes
    source: str
    reporter: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Submission:
    id: int
    sha256: str
    size: int
    source: str
    reporter: str | None
    note: str
    received_at: datetime


@dataclass(frozen=True)
class QueuedReport:
    id: str
    sha256: str
    reporter: str | None
    received_at: datetime


@dataclass(frozen=True)
class Part:
    """One message a submission carried, stored as a blob, with its analysis when done."""

    how: str  # attachment | msg | inline_forward | as_is | unreadable
    sha256: str
    analysis: Mapping[str, Any] | None = None  # None: still to analyse
    reply: bool = False  # the reporter is to be told the verdict

    @property
    def error(self) -> str | None:
        return None if self.analysis is None else self.analysis.get("error")


@dataclass(frozen=True)
class Analysed:
    report_id: str
    analysis: Mapping[str, Any]
    reply: bool = False  # the reporter is to be told the verdict


def now() -> datetime:
    return datetime.now(UTC)


def report_id(submission_id: int, position: int) -> str:
    return f"{submission_id}.{position}"


class Store:
    def __init__(self, url: str, blobs: BlobStore) -> None:
        self.url = url
        self.blobs = blobs
        self.engine = _engine(url)
        metadata.create_all(self.engine)

    @classmethod
    def open(cls, settings: ServerSettings) -> Store:
        data = Path(settings.data_dir)
        data.mkdir(parents=True, exist_ok=True)
        url = settings.database_url or f"sqlite:///{(data / 'phalanx.sqlite').resolve()}"
        return cls(url, BlobStore(data / "blobs"))

    def close(self) -> None:
        self.engine.dispose()

    # --- intake -----------------------------------------------------------------------------

    def accept(self, item: Incoming) -> int:
        """Store one report durably and return its submission id: the acknowledgement."""
        return self.accept_many([item])[0]

    def accept_many(self, items: Sequence[Incoming]) -> list[int]:
        """Store reports durably in one transaction: bytes first (flushed as one batch), then
        the rows. Nothing is acknowledged before both are on disk."""
        digests = self.blobs.put_many([item.raw for item in items])
        at = now()
        rows = [
            {
                "sha256": digest,
                "size": len(item.raw),
                "source": item.source,
                "reporter": item.reporter[:320] if item.reporter else None,
                "note": item.note[:500],
                "received_at": at,
                "state": "received",
            }
            for item, digest in zip(items, digests, strict=True)
        ]
        insert = submissions.insert().returning(submissions.c.id, sort_by_parameter_order=True)
        with self.engine.begin() as db:
            ids = [int(i) for i in db.execute(insert, rows).scalars()] if rows else []
        return ids

    # --- the queue --------------------------------------------------------------------------

    def submissions_to_split(self, limit: int, after: int = 0) -> list[Submission]:
        query = (
            sa.select(submissions)
            .where(submissions.c.state == "received", submissions.c.id > after)
            .order_by(submissions.c.id)
            .limit(limit)
        )
        with self.engine.connect() as db:
            return [
                Submission(
                    r.id, r.sha256, r.size, r.source, r.reporter, r.note, r.received_at
                )
                for r in db.execute(query)
            ]

    def reports_to_analyse(self, limit: int, exclude: Iterable[str] = ()) -> list[QueuedReport]:
        skip = set(exclude)
        query = (
            sa.select(reports.c.id, reports.c.sha256, reports.c.reporter, reports.c.received_at)
            .where(reports.c.state == "queued")
            .order_by(reports.c.submission_id, reports.c.position)
            .limit(limit + len(skip))
        )
        with self.engine.connect() as db:
            rows = [QueuedReport(*r) for r in db.execute(query)]
        return [r for r in rows if r.id not in skip][:limit]

    def record_reports(self, batch: Sequence[tuple[Submission, Sequence[Part]]]) -> None:
        """Each submission's message(s) become reports, analysed or queued, in one transaction.

        Idempotent: a submission recorded again (after a restart) replaces its earlier rows.
        """
        self.record(split=batch)

    def record_analyses(self, results: Sequence[Analysed]) -> None:
        """Analyses of reports that were queued (the resume path)."""
        self.record(analysed=results)

    def record(
        self,
        split: Sequence[tuple[Submission, Sequence[Part]]] = (),
        analysed: Sequence[Analysed] = (),
        cases: Iterable[TakedownCase] = (),
    ) -> None:
        """What the dispatcher learnt from a batch of jobs, in one transaction: submissions split
        into reports (record_reports), queued reports analysed (record_analyses), and the
        takedown cases they open or update (save_takedowns). A crash before the commit leaves
        all of it to be done again, after it none of it; one commit (one flush) a batch."""
        at = now()
        rows = [_takedown_row(c) for c in cases]
        with self.engine.begin() as db:
            if split:
                _record_reports(db, split, at)
            if analysed:
                db.execute(
                    _UPDATE_REPORT,
                    [{"_id": r.report_id} | _analysis_values(r.analysis, r.reply, at)
                     for r in analysed],
                )
            if rows:
                _save_takedowns(db, rows)

    # --- reading ----------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as db:
            states: dict[str, int] = dict(
                db.execute(
                    sa.select(reports.c.state, sa.func.count()).group_by(reports.c.state)
                ).all()
            )
            verdicts: dict[str, int] = dict(
                db.execute(
                    sa.select(reports.c.verdict, sa.func.count())
                    .where(reports.c.verdict.is_not(None))
                    .group_by(reports.c.verdict)
                ).all()
            )
            waiting = db.execute(
                sa.select(sa.func.count()).where(submissions.c.state == "received")
            ).scalar_one()
        return {
            "submissions_waiting": int(waiting),
            "queued": int(states.get("queued", 0)),
            "done": int(states.get("done", 0)),
            "error": int(states.get("error", 0)),
            **{f"verdict_{k}": int(v) for k, v in verdicts.items()},
        }

    def list_reports(
        self, verdict: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[dict[str, Any]]:
        columns = [c for c in reports.c if c.name != "analysis"]
        query = sa.select(*columns).order_by(
            reports.c.submission_id.desc(), reports.c.position
        )
        if verdict:
            query = query.where(reports.c.verdict == verdict)
        with self.engine.connect() as db:
            rows = db.execute(query.limit(limit).offset(offset)).mappings().all()
        return [_plain(dict(r)) for r in rows]

    def report(self, rid: str) -> dict[str, Any] | None:
        with self.engine.connect() as db:
            row = db.execute(sa.select(reports).where(reports.c.id == rid)).mappings().first()
            if row is None:
                return None
            sub = db.execute(
                sa.select(submissions.c.source, submissions.c.note, submissions.c.size)
                .where(submissions.c.id == row["submission_id"])
            ).mappings().first()
        out = _plain(dict(row))
        out["analysis"] = orjson.loads(row["analysis"]) if row["analysis"] else None
        out["submission"] = dict(sub) if sub else None
        return out

    def submission_reports(self, submission_id: int) -> dict[str, Any] | None:
        with self.engine.connect() as db:
            sub = db.execute(
                sa.select(submissions).where(submissions.c.id == submission_id)
            ).mappings().first()
            if sub is None:
                return None
            rows = db.execute(
                sa.select(reports.c.id, reports.c.state, reports.c.verdict, reports.c.error)
                .where(reports.c.submission_id == submission_id)
                .order_by(reports.c.position)
            ).mappings().all()
        return _plain(dict(sub)) | {"reports": [dict(r) for r in rows]}

    def reports_of(self, submission_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        """The reports each submission became (id, state, verdict, score, category, subject,
        error), in bulk."""
        found: dict[int, list[dict[str, Any]]] = {sid: [] for sid in submission_ids}
        columns = (reports.c.submission_id, reports.c.id, reports.c.state, reports.c.verdict,
                   reports.c.score, reports.c.category, reports.c.subject, reports.c.error)
        with self.engine.connect() as db:
            for start in range(0, len(submission_ids), 500):
                chunk = submission_ids[start : start + 500]
                query = sa.select(*columns).where(reports.c.submission_id.in_(chunk))
                for row in db.execute(query.order_by(reports.c.id)).mappings():
                    found[row["submission_id"]].append(dict(row))
        return found

    def analyses(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every finished analysis, oldest first: what the campaign index is rebuilt from."""
        query = (
            sa.select(reports.c.id, reports.c.analysis)
            .where(reports.c.state == "done")
            .order_by(reports.c.submission_id, reports.c.position)
        )
        with self.engine.connect() as db:
            for rid, text in db.execute(query.execution_options(yield_per=2000)):
                yield rid, orjson.loads(text)

    def reports_by_id(self, ids: Iterable[str]) -> list[dict[str, Any]]:
        wanted = list(ids)
        out: list[dict[str, Any]] = []
        with self.engine.connect() as db:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                rows = db.execute(
                    sa.select(reports.c.id, reports.c.sha256, reports.c.reporter,
                              reports.c.analysis)
                    .where(reports.c.id.in_(chunk))
                ).mappings()
                out += [
                    _plain(dict(r)) | {"analysis": orjson.loads(r["analysis"] or "null")}
                    for r in rows
                ]
        return out

    # --- replies to reporters ---------------------------------------------------------------

    def pending_replies(self, limit: int) -> list[tuple[str, str, dict[str, Any]]]:
        query = (
            sa.select(reports.c.id, reports.c.reporter, reports.c.analysis)
            .where(reports.c.reply_state == "pending")
            .order_by(reports.c.submission_id)
            .limit(limit)
        )
        with self.engine.connect() as db:
            return [(r.id, r.reporter or "", orjson.loads(r.analysis)) for r in db.execute(query)]

    def mark_reply(self, rid: str, state: str) -> None:
        with self.engine.begin() as db:
            db.execute(sa.update(reports).where(reports.c.id == rid).values(reply_state=state))

    # --- takedown cases ---------------------------------------------------------------------

    def takedowns(self, keys: Iterable[str]) -> dict[str, TakedownCase]:
        wanted = list(keys)
        found: dict[str, TakedownCase] = {}
        with self.engine.connect() as db:
            for start in range(0, len(wanted), 500):
                query = sa.select(takedowns.c.data).where(
                    takedowns.c.key.in_(wanted[start : start + 500])
                )
                for (text,) in db.execute(query):
                    case = TakedownCase.from_dict(orjson.loads(text))
                    found[case.key] = case
        return found

    def save_takedowns(self, cases: Iterable[TakedownCase]) -> None:
        self.record(cases=cases)

    def list_takedowns(self, status: str | None = None, limit: int = 500) -> list[TakedownCase]:
        query = sa.select(takedowns.c.data).order_by(
            takedowns.c.report_count.desc(), takedowns.c.last_seen.desc()
        )
        if status:
            query = query.where(takedowns.c.status == status)
        with self.engine.connect() as db:
            return [
                TakedownCase.from_dict(orjson.loads(t)) for (t,) in db.execute(query.limit(limit))
            ]

    # --- who may come in --------------------------------------------------------------------

    def set_user(self, name: str, password_hash: str) -> None:
        with self.engine.begin() as db:
            db.execute(sa.delete(users).where(users.c.name == name))
            db.execute(users.insert().values(name=name, password_hash=password_hash,
                                             created_at=now()))

    def password_hash(self, name: str) -> str | None:
        with self.engine.connect() as db:
            value = db.execute(
                sa.select(users.c.password_hash).where(users.c.name == name)
            ).scalar_one_or_none()
        return None if value is None else str(value)

    def add_token(self, name: str, digest: str) -> None:
        with self.engine.begin() as db:
            db.execute(tokens.insert().values(digest=digest, name=name, created_at=now()))

    def token_name(self, digest: str) -> str | None:
        with self.engine.connect() as db:
            value = db.execute(
                sa.select(tokens.c.name).where(tokens.c.digest == digest)
            ).scalar_one_or_none()
        return None if value is None else str(value)

    def add_session(self, digest: str, user: str, expires_at: datetime) -> None:
        with self.engine.begin() as db:
            db.execute(sa.delete(sessions).where(sessions.c.expires_at < now()))
            db.execute(sessions.insert().values(digest=digest, user=user, expires_at=expires_at))

    def session_user(self, digest: str) -> str | None:
        with self.engine.connect() as db:
            value = db.execute(
                sa.select(sessions.c.user).where(
                    sessions.c.digest == digest, sessions.c.expires_at > now()
                )
            ).scalar_one_or_none()
        return None if value is None else str(value)

    def drop_session(self, digest: str) -> None:
        with self.engine.begin() as db:
            db.execute(sa.delete(sessions).where(sessions.c.digest == digest))


def _record_reports(
    db: sa.Connection, batch: Sequence[tuple[Submission, Sequence[Part]]], at: datetime
) -> None:
    ids = [submission.id for submission, _ in batch]
    rows = [
        _report_row(submission, i, part, at)
        for submission, parts in batch
        for i, part in enumerate(parts)
    ]
    db.execute(sa.delete(reports).where(reports.c.submission_id.in_(ids)))
    if rows:
        db.execute(reports.insert(), rows)
    db.execute(sa.update(submissions).where(submissions.c.id.in_(ids)).values(state="split"))
    errors = [
        {"_id": submission.id, "error": error}
        for submission, parts in batch
        if (error := next((p.error for p in parts if p.how == "unreadable"), None))
    ]
    if errors:
        db.execute(
            sa.update(submissions).where(submissions.c.id == sa.bindparam("_id")), errors
        )


# One statement run for many rows (executemany): the SET columns come from the rows' keys.
_UPDATE_REPORT = sa.update(reports).where(reports.c.id == sa.bindparam("_id"))
_UPDATE_TAKEDOWN = sa.update(takedowns).where(takedowns.c.key == sa.bindparam("_key"))


def _takedown_row(case: TakedownCase) -> dict[str, Any]:
    return {
        "key": case.key,
        "host": case.host[:255],
        "status": case.status.value,
        "report_count": case.report_count,
        "last_seen": case.last_seen,
        "data": orjson.dumps(case.to_dict()).decode(),
    }


def _save_takedowns(db: sa.Connection, rows: list[dict[str, Any]]) -> None:
    """Insert new cases, update those present: two statements, whatever the number of cases."""
    rows = list({row["key"]: row for row in rows}.values())  # the last word on each case
    present: set[str] = set()
    for start in range(0, len(rows), 500):
        keys = [row["key"] for row in rows[start : start + 500]]
        present.update(db.execute(sa.select(takedowns.c.key).where(takedowns.c.key.in_(keys)))
                       .scalars())
    updates = [
        {"_key": r["key"]} | {k: v for k, v in r.items() if k != "key"}
        for r in rows
        if r["key"] in present
    ]
    if updates:
        db.execute(_UPDATE_TAKEDOWN, updates)
    inserts = [r for r in rows if r["key"] not in present]
    if inserts:
        db.execute(takedowns.insert(), inserts)


def _report_row(
    submission: Submission, position: int, part: Part, at: datetime
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": report_id(submission.id, position),
        "submission_id": submission.id,
        "position": position,
        "sha256": part.sha256,
        "extracted_as": part.how,
        "state": "queued",
        "received_at": submission.received_at,
        "reporter": submission.reporter,
    }
    # Every row carries every column: an executemany needs rows of one shape.
    if part.analysis is not None:
        return row | _analysis_values(part.analysis, part.reply, at)
    return row | dict.fromkeys(_ANALYSIS_COLUMNS)


_ANALYSIS_COLUMNS = (
    "verdict", "score", "category", "subject", "sender", "analysis", "error", "analysed_at",
    "reply_state",
)


def _analysis_values(analysis: Mapping[str, Any], reply: bool, at: datetime) -> dict[str, Any]:
    error = analysis.get("error")
    return {
        "state": "error" if analysis.get("verdict") == "error" else "done",
        "verdict": str(analysis.get("verdict")),
        "score": int(analysis.get("score") or 0),
        "category": str(analysis.get("category") or "")[:40],
        "subject": str(analysis.get("subject") or "")[:300],
        "sender": str(analysis.get("sender") or "")[:300],
        "analysis": orjson.dumps(analysis).decode(),
        "error": str(error)[:4000] if error else None,
        "analysed_at": at,
        "reply_state": "pending" if reply else None,
    }


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}


def _engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return sa.create_engine(url, pool_pre_ping=True)
    engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @sa.event.listens_for(engine, "connect")
    def _pragmas(connection: Any, _record: Any) -> None:
        # WAL lets the pages read while a worker writes; FULL makes every commit survive a power
        # cut, not only a crash of the process (the acknowledgement promises that).
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine
