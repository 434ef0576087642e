"""`phalanx mail ingest` stores in batches and workers answer once the disk has what they
extracted: a SIGKILL mid-run loses nothing that was stored, and a message that cannot be
stored is never recorded as if it had been."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from phalanx.mail.extract import split_report
from phalanx.server.service import ReportingService
from phalanx.store.blobs import BlobStore
from phalanx.store.db import Incoming, Store
from tests.unit.mail.factory import message, report_with_attached

from .mail_service_helpers import phalanx, service_settings, wait_for


def _lure(n: int) -> bytes:
    return message(f"Your mailbox {n} is full. Verify now: http://evil-host.example/v/{n}",
                   sender="IT <it@evil-host.example>", subject=f"Mailbox quota {n}")


def _write_reports(folder: Path, count: int) -> None:
    folder.mkdir()
    for n in range(count):
        lure = _lure(n)
        (folder / f"report-{n:05d}.eml").write_bytes(report_with_attached(lure) if n % 2 else lure)


def _stored(database: Path) -> int:
    if not database.exists():
        return 0
    with sqlite3.connect(database, timeout=30) as db:
        try:
            return int(db.execute("select count(*) from submissions").fetchone()[0])
        except sqlite3.OperationalError:  # the tables are not made yet
            return 0


def test_a_killed_ingest_loses_nothing_it_stored(tmp_path: Path) -> None:
    reports, data = tmp_path / "reports", tmp_path / "data"
    _write_reports(reports, 3000)
    ingest = subprocess.Popen(
        [sys.executable, "-m", "phalanx.cli.main", "mail", "ingest", str(reports), "-d",
         str(data)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    database = data / "phalanx.sqlite"
    try:
        wait_for(lambda: _stored(database) >= 600 or ingest.poll() is not None, 120,
                 "600 stored reports")
        os.kill(ingest.pid, signal.SIGKILL)
        ingest.wait(10)
    finally:
        if ingest.poll() is None:
            ingest.kill()
            ingest.wait()
        assert ingest.stderr is not None
        ingest.stderr.close()
    assert ingest.returncode == -signal.SIGKILL, "ingest ended before it could be killed"
    killed_with = _stored(database)
    assert 600 <= killed_with < 3000

    # Every row stored names a blob that is on disk, whole; so does every report recorded.
    store = Store.open(service_settings(data).server)
    with sqlite3.connect(database) as db:
        digests = [d for (d,) in db.execute("select sha256 from submissions")]
        digests += [d for (d,) in db.execute("select sha256 from reports")]
    assert all(store.blobs.get(d) for d in digests)
    store.close()

    # The next run (here with nothing new) analyses what the killed one left.
    empty = tmp_path / "nothing-new"
    empty.mkdir()
    done = phalanx("mail", "ingest", str(empty), "-d", str(data))
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(database) as db:
        waiting = db.execute("select count(*) from submissions where state != 'split'")
        assert waiting.fetchone()[0] == 0
        states = dict(db.execute("select state, count(*) from reports group by state"))
        subjects = {s for (s,) in db.execute("select subject from reports")}
    assert states == {"done": killed_with}
    assert {f"Mailbox quota {n}" for n in range(killed_with)} == subjects


def test_ingest_workers_start_without_warnings(tmp_path: Path) -> None:
    """The fork server imports the program's modules for the workers; the main module is left
    to multiprocessing's re-run in each child (runpy warns about one imported already)."""
    reports = tmp_path / "reports"
    _write_reports(reports, 4)
    done = phalanx("mail", "ingest", str(reports), "-d", str(tmp_path / "data"))
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr, done.stderr


def test_a_message_that_cannot_be_stored_is_not_recorded_as_stored(tmp_path: Path) -> None:
    settings = service_settings(tmp_path / "data")
    store = Store.open(settings.server)
    service = ReportingService(settings, store, workers=1)
    forward = report_with_attached(_lure(1))
    [carried] = split_report(forward)
    store.blobs.path(BlobStore.digest(carried.raw)).parent.write_bytes(b"")  # the disk refuses
    sids = service.submit_many([Incoming(forward, "file"), Incoming(_lure(2), "file")])
    service.process_until_idle()
    first = store.submission_reports(sids[0])
    second = store.submission_reports(sids[1])
    assert first is not None and second is not None
    [failed] = first["reports"]
    assert failed["state"] == "error" and "storing what it carries failed" in failed["error"]
    assert [r["state"] for r in second["reports"]] == ["done"]
    store.close()
