"""The store on SQLite and on the PostgreSQL server this machine runs (skipped, saying why,
where there is none): what is accepted is kept, read back intact, and recorded idempotently."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from phalanx.mail.takedown import Status, TakedownCase, TimelineEntry
from phalanx.store.blobs import BlobError, BlobStore
from phalanx.store.db import Incoming, Part, Store, Submission

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _postgres_schema() -> str:
    """A fresh schema on the local PostgreSQL, or skip saying why."""
    try:
        engine = sa.create_engine(POSTGRES, connect_args={"connect_timeout": 3})
        schema = f"phalanx_test_{secrets.token_hex(4)}"
        with engine.begin() as db:
            db.execute(sa.text(f"CREATE SCHEMA {schema}"))
        engine.dispose()
    except Exception as exc:  # no server, no driver, no rights
        pytest.skip(f"no PostgreSQL at {POSTGRES}: {type(exc).__name__}: {exc}")
    return schema


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    blobs = BlobStore(tmp_path / "blobs")
    if request.param == "sqlite":
        opened = Store(f"sqlite:///{tmp_path / 'phalanx.sqlite'}", blobs)
        yield opened
        opened.close()
        return
    schema = _postgres_schema()
    opened = Store(f"{POSTGRES}?options=-csearch_path%3D{schema}", blobs)
    yield opened
    opened.close()
    engine = sa.create_engine(POSTGRES)
    with engine.begin() as db:
        db.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


def test_accepted_reports_are_kept_and_queued_in_order(store: Store) -> None:
    ids = store.accept_many([Incoming(b"first", "smtp", "a@uni.example", "peer"),
                             Incoming(b"second", "http")])
    assert ids[1] > ids[0]
    waiting = store.submissions_to_split(10)
    assert [s.id for s in waiting] == ids
    assert store.blobs.get(waiting[0].sha256) == b"first"
    assert waiting[0].reporter == "a@uni.example" and waiting[0].received_at.tzinfo is UTC


def test_recording_a_split_twice_gives_the_same_reports(store: Store) -> None:
    sid = store.accept(Incoming(b"report", "smtp"))
    sub = store.submissions_to_split(1)[0]
    analysis = {"verdict": "malicious", "score": 90, "category": "credential_phishing",
                "subject": "x", "indicators": {}}
    parts = [Part("attachment", store.blobs.put(b"one"), analysis),
             Part("attachment", store.blobs.put(b"two"))]
    store.record_reports([(sub, parts)])
    store.record_reports([(sub, parts)])  # a restart after the write, before the bookkeeping
    found = store.submission_reports(sid)
    assert found is not None and found["state"] == "split"
    assert [(r["id"], r["state"]) for r in found["reports"]] == [
        (f"{sid}.0", "done"), (f"{sid}.1", "queued")]
    assert [r.id for r in store.reports_to_analyse(10)] == [f"{sid}.1"]
    assert store.counts()["verdict_malicious"] == 1
    assert [rid for rid, _ in store.analyses()] == [f"{sid}.0"]


def test_takedown_cases_round_trip(store: Store) -> None:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    case = TakedownCase("http://evil.example/x", "url", "evil.example", Status.NEW, ("1.0",),
                        at, at, (TimelineEntry(at, Status.NEW, "first"),))
    store.save_takedowns([case])
    store.save_takedowns([case])
    assert store.takedowns([case.key]) == {case.key: case}
    assert store.list_takedowns("new") == [case] and store.list_takedowns("down") == []


def test_a_damaged_blob_is_reported_not_read(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    digest = blobs.put(b"original message")
    assert blobs.put(b"original message") == digest
    blobs.path(digest).write_bytes(b"tampered")
    with pytest.raises(BlobError, match="damaged"):
        blobs.get(digest)
    with pytest.raises(BlobError, match="missing"):
        blobs.get("0" * 64)


def test_the_service_runs_on_this_store(store: Store) -> None:
    from phalanx.config import Settings
    from phalanx.server.service import ReportingService
    from tests.unit.mail.factory import message, report_with_attached

    service = ReportingService(Settings(), store, workers=1)
    lure = message("Verify your password now: http://evil-host.example/login",
                   subject="Password expiry", sender="IT <it@evil-host.example>")
    sids = service.submit_many([Incoming(report_with_attached(lure, lure), "smtp"),
                                Incoming(b"", "http")])
    progress = service.process_until_idle()
    assert progress.submissions == 2 and progress.reports == 3
    assert progress.verdicts["error"] == 1  # the empty one, kept with its error
    assert [c.size for c in service.campaigns()] == [2]
    assert store.submission_reports(sids[0])["reports"][1]["state"] == "done"  # type: ignore[index]


def test_a_batch_of_blobs_is_stored_whole_each_once(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    earlier = blobs.put(b"stored before")
    datas = [f"message {n}".encode() for n in range(300)] + [b"message 7", b"stored before"]
    digests = blobs.put_many(datas)  # more than the files a batch holds open at once
    assert len(digests) == len(datas) and digests[-1] == earlier and digests[7] == digests[300]
    assert all(blobs.get(d) == data for d, data in zip(digests, datas, strict=True))
    assert not list(tmp_path.rglob("*.tmp"))
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 301


def test_a_batch_that_cannot_be_written_leaves_nothing_half_stored(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    blocked = b"its folder is a file"
    folder = blobs.path(hashlib.sha256(blocked).hexdigest()).parent
    folder.write_bytes(b"")  # the disk refuses to make the folder: writing the blob fails
    others = [f"other {n}".encode() for n in range(5)]
    others = [d for d in others if blobs.path(hashlib.sha256(d).hexdigest()).parent != folder]
    with pytest.raises(NotADirectoryError):
        blobs.put_many([*others, blocked])
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [folder]  # no blob, no temporary


def _case(key: str, reports: tuple[str, ...]) -> TakedownCase:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    return TakedownCase(key, "url", "evil.example", Status.NEW, reports, at, at,
                        (TimelineEntry(at, Status.NEW, "first"),))


def test_a_batch_records_reports_and_their_takedown_cases_together(store: Store) -> None:
    sid = store.accept(Incoming(b"report", "smtp"))
    sub = store.submissions_to_split(1)[0]
    analysis = {"verdict": "malicious", "score": 90, "indicators": {}}
    part = Part("as_is", sub.sha256, analysis)
    old, new = _case("http://evil.example/a", ("0.0",)), _case("http://evil.example/b", ())
    store.save_takedowns([old])
    grown = _case(old.key, ("0.0", f"{sid}.0"))
    store.record(split=[(sub, [part])], cases=[grown, _case(new.key, (f"{sid}.0",))])
    assert store.counts()["verdict_malicious"] == 1
    found = store.takedowns([old.key, new.key])
    assert found[old.key].report_ids == ("0.0", f"{sid}.0")
    assert found[new.key].report_ids == (f"{sid}.0",)


def test_a_batch_that_fails_records_none_of_it(store: Store) -> None:
    store.accept(Incoming(b"report", "smtp"))
    sub = store.submissions_to_split(1)[0]
    gone = Submission(sub.id + 1000, sub.sha256, sub.size, sub.source, None, "", sub.received_at)
    parts = [Part("as_is", sub.sha256, {"verdict": "clean", "indicators": {}})]
    with pytest.raises(sa.exc.IntegrityError):  # a report of a submission that is not there
        store.record(split=[(sub, parts), (gone, parts)],
                     cases=[_case("http://evil.example/c", (f"{sub.id}.0",))])
    assert store.takedowns(["http://evil.example/c"]) == {}
    assert [s.id for s in store.submissions_to_split(10)] == [sub.id]  # still to split
