"""Live watch: findings as they form, rotation and truncation, restart without loss or repeats."""

from __future__ import annotations

import json
import os
import socket
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import orjson

from phalanx.config.signins import SigninSettings
from phalanx.reports.alerts import post_webhook, send_syslog
from phalanx.signins.watch import Watcher, WatchState

T0 = datetime(2024, 5, 6, 9, tzinfo=UTC)
ATTACKER = "203.0.113.9"


def event(n: int, account: str, source: str = ATTACKER, status: str = "0xc000006a") -> bytes:
    """One Security 4625 (or 4624 for status 0x0) as a Winlogbeat/OTRF JSON line."""
    success = status == "0x0"
    record = {
        "EventID": 4624 if success else 4625,
        "Channel": "Security",
        "Hostname": "DC1",
        "@timestamp": (T0 + timedelta(seconds=5 * n)).isoformat().replace("+00:00", "Z"),
        "TargetUserName": account,
        "TargetDomainName": "CORP",
        "IpAddress": source,
        "LogonType": 3,
        "Status": "0x0" if success else "0xc000006d",
        "SubStatus": status,
    }
    return orjson.dumps(record) + b"\n"


def append(path: Path, *lines: bytes) -> None:
    with path.open("ab") as log:
        log.write(b"".join(lines))


def spray(first: int, last: int) -> bytes:
    return b"".join(event(n, f"user{n}") for n in range(first, last))


def poll(log: Path, state: Path) -> list[tuple[str, dict[str, object]]]:
    """One poll of a watcher restarted from the checkpoint, as `--once` would run."""
    watcher = Watcher([log], SigninSettings(), WatchState.load(state))
    news = [(status, finding.to_dict()) for status, finding in watcher.poll()]
    watcher.state.save(state)
    return news


def test_findings_form_grow_and_survive_restarts(tmp_path: Path) -> None:
    log, state = tmp_path / "security.json", tmp_path / "watch.state"
    append(log, spray(0, 5))
    assert poll(log, state) == []  # five accounts: not yet a spray
    append(log, spray(5, 30))
    [(status, finding)] = poll(log, state)
    assert status == "new"
    assert finding["kind"] == "signins.password_spray"
    assert len(finding["accounts"]) == 30  # type: ignore[arg-type]
    assert poll(log, state) == []  # nothing new: nothing repeated
    append(log, event(40, "user7", status="0x0"))  # the sprayer signs in as user7
    [(status, finding)] = poll(log, state)
    assert status == "updated"
    assert finding["compromised"] == ["user7"]
    retained = WatchState.load(state).retained
    assert retained.num_rows == 31  # every line read exactly once across four restarts
    assert sorted(retained.column("record").to_pylist()) == list(range(1, 32))


def test_partial_lines_wait_for_their_newline(tmp_path: Path) -> None:
    log, state = tmp_path / "security.json", tmp_path / "watch.state"
    line = spray(0, 1)
    append(log, line[:20])
    poll(log, state)
    append(log, line[20:])
    poll(log, state)
    assert WatchState.load(state).retained.num_rows == 1
    assert WatchState.load(state).skipped == {}


def test_rotation_drains_the_old_file_then_reads_the_new(tmp_path: Path) -> None:
    log, state = tmp_path / "security.json", tmp_path / "watch.state"
    append(log, spray(0, 10))
    [(status, finding)] = poll(log, state)
    assert (status, len(finding["accounts"])) == ("new", 10)  # type: ignore[arg-type]
    append(log, spray(10, 20))  # written after our poll, just before rotation
    os.rename(log, tmp_path / "security.json.1")
    append(log, spray(20, 30))
    [(status, finding)] = poll(log, state)
    assert (status, len(finding["accounts"])) == ("updated", 30)  # type: ignore[arg-type]
    assert WatchState.load(state).retained.num_rows == 30


def test_truncation_starts_again_from_the_top(tmp_path: Path) -> None:
    log, state = tmp_path / "security.json", tmp_path / "watch.state"
    append(log, spray(0, 10))
    poll(log, state)
    log.write_bytes(spray(10, 12))  # copytruncate: same inode, smaller file
    poll(log, state)
    assert WatchState.load(state).retained.num_rows == 12


def test_findings_reach_a_webhook_and_syslog_on_loopback(tmp_path: Path) -> None:
    received: list[bytes] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 0))
    listener.settimeout(5)
    document = {"status": "new", "kind": "signins.password_spray", "sources": [ATTACKER]}
    try:
        post_webhook(f"http://127.0.0.1:{server.server_port}/hook", document)
        send_syslog(listener.getsockname(), document)
        datagram = listener.recv(65536)
    finally:
        thread.join(5)
        server.server_close()
        listener.close()
    assert json.loads(received[0]) == document
    assert datagram.startswith(b"<33>1 ")
    assert b" phalanx - signins.password_spray - {" in datagram


def logon(moment: datetime, account: str, source: str, status: str) -> tuple[datetime, bytes]:
    line = event(0, account, source, status).replace(
        b'"' + (T0.isoformat().replace("+00:00", "Z")).encode() + b'"',
        b'"' + moment.isoformat().replace("+00:00", "Z").encode() + b'"',
    )
    return moment, line


def a_day(day: int) -> list[bytes]:
    """100 staff sign in each morning from their own address; on Mondays 40 of them have
    forgotten their password over the weekend and get in three hours later (a reset); on the
    third Wednesday a spray rotated over 40 addresses tries 40 of them once each."""
    morning = T0 + timedelta(days=day)
    lines = []
    for n in range(100):
        home, arrives = f"198.51.100.{n}", morning + timedelta(minutes=n)
        if day % 7 == 0 and n < 40:
            lines.append(logon(arrives - timedelta(hours=1), f"user{n}", home, "0xc000006a"))
            arrives += timedelta(hours=3)
        lines.append(logon(arrives, f"user{n}", home, "0x0"))
    if day == 16:
        for n in range(40):
            at = morning + timedelta(hours=3, minutes=5 * n)
            lines.append(logon(at, f"user{50 + n}", f"203.0.113.{n}", "0xc000006a"))
    return [line for _, line in sorted(lines)]


def test_a_surge_usual_for_mondays_is_usual_to_a_watch_too(tmp_path: Path) -> None:
    """The watch retains two days, yet Monday's forgotten passwords are judged against the
    Mondays before (kept across restarts), and only the Wednesday spray is reported."""
    log, state = tmp_path / "security.json", tmp_path / "watch.state"
    reported = []
    for day in range(21):
        append(log, *a_day(day))
        reported += [(day, finding["kind"]) for _, finding in poll(log, state)]
    assert reported == [(16, "signins.distributed_spray")]
    kept = WatchState.load(state)
    assert kept.history_since is not None and kept.history.height > 0
    assert kept.retained.num_rows < 3 * 140  # two days and a bit, whole


def test_without_kept_weeks_the_same_watch_would_report_mondays(tmp_path: Path) -> None:
    """What the kept failures are for: forgotten, a Monday looks like a wave once the two
    retained days hold a quiet day beside it (the median day is the only baseline)."""
    log, state = tmp_path / "security.json", tmp_path / "watch.state"
    reported = []
    for day in range(16):
        append(log, *a_day(day))
        reported += [(day, finding["kind"]) for _, finding in poll(log, state)]
        forgetful = WatchState.load(state)
        forgetful.history = forgetful.history.clear()
        forgetful.save(state)
    # Mondays' usual failures, reported on the Monday or the Tuesday after (as the window
    # slides over a quiet day), and nothing else
    assert reported
    assert all(kind == "signins.distributed_spray" and day % 7 in (0, 1) for day, kind in reported)
