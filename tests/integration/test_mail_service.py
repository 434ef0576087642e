"""The reporting service end to end: stored before acknowledged, analysed by worker processes,
nothing lost — through the real SMTP intake, the real HTTP API and pages, and a SIGKILL."""

from __future__ import annotations

import json
import re
import smtplib
import threading
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller

from phalanx.server import auth
from phalanx.server.service import ReportingService
from phalanx.server.smtp import smtp_intake
from phalanx.store.db import Incoming, Store
from tests.unit.mail.factory import message, report_with_attached, zip_bomb

from .mail_service_helpers import (
    free_port,
    phalanx,
    running_service,
    service_settings,
    wait_for,
)

LURE = message(
    "Your mailbox is full. Verify your account within 24 hours or it will be closed: "
    "http://login-uni-example.evil-host.example/verify",
    sender="IT Helpdesk <helpdesk@evil-host.example>",
    subject="Action required: mailbox quota",
    html='<p>Your mailbox is full.</p><form action="http://evil-host.example/p" method="post">'
    '<input type="password" name="pw"></form>',
)


def _service(tmp_path: Path, **server: object) -> ReportingService:
    settings = service_settings(tmp_path / "data", **server)
    return ReportingService(settings, Store.open(settings.server), workers=2)


def _reports(service: ReportingService, sid: int) -> list[dict[str, object]]:
    found = service.store.submission_reports(sid)
    assert found is not None
    return list(found["reports"])


def test_hostile_input_is_stored_with_a_clear_error_and_never_lost(tmp_path: Path) -> None:
    service = _service(tmp_path)
    params = "; ".join(f'p{i}="{"x" * 40}"' for i in range(330))
    inputs = {
        "empty": b"",
        "binary": bytes(range(256)) * 40,
        "malformed": b"From: x@evil.example\r\nSubject: broken\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="never-seen"\r\n\r\n'
        b"Verify your account: http://login.evil.example/\r\n",
        "zip_bomb": message("Invoice attached.", attachments=[("invoice.zip", zip_bomb())]),
        "long_header": f"From: a@b.example\r\nSubject: p\r\nContent-Type: text/plain; {params}"
        "\r\n\r\nhello\r\n".encode(),
        "lure": LURE,
    }
    ids = dict(zip(inputs, service.submit_many(
        [Incoming(raw, "file", None, name) for name, raw in inputs.items()]), strict=True))
    progress = service.process_until_idle()

    assert progress.submissions == len(inputs)
    rows = {name: _reports(service, sid) for name, sid in ids.items()}
    assert all(len(r) == 1 for r in rows.values()), rows
    assert rows["empty"][0]["state"] == "error" and "empty" in str(rows["empty"][0]["error"])
    assert rows["binary"][0]["state"] == "error" and "binary" in str(rows["binary"][0]["error"])
    assert "malformed MIME" in str(rows["malformed"][0]["error"])
    assert "zip bomb refused" in str(rows["zip_bomb"][0]["error"])
    assert rows["long_header"][0]["state"] == "done"
    assert rows["lure"][0]["verdict"] == "malicious"
    # the raw bytes of every report, junk included, are kept and still read back intact
    for name, raw in inputs.items():
        report = service.store.report(str(rows[name][0]["id"]))
        assert report is not None
        assert service.store.blobs.get(str(report["sha256"])) == raw
    counts = service.store.counts()
    assert counts["submissions_waiting"] == 0 and counts["queued"] == 0


def test_a_report_forwarding_two_messages_becomes_two_reports(tmp_path: Path) -> None:
    service = _service(tmp_path)
    other = message("Lunch at noon?", subject="Lunch")
    sid = service.submit(report_with_attached(LURE, other), "file")
    service.process_until_idle()
    reports = _reports(service, sid)
    assert [r["id"] for r in reports] == [f"{sid}.0", f"{sid}.1"]
    assert [r["verdict"] for r in reports] == ["malicious", "clean"]
    lure = service.store.report(f"{sid}.0")
    assert lure is not None and lure["extracted_as"] == "attachment"
    assert service.store.list_takedowns()  # the lure's site became a takedown case


def test_a_message_over_the_time_limit_ends_in_an_error_not_a_hang(tmp_path: Path) -> None:
    service = _service(tmp_path, analysis_time_limit_seconds=0.0001)
    two = report_with_attached(LURE, LURE)
    sids = service.submit_many([Incoming(LURE, "file"), Incoming(two, "file")])
    service.process_until_idle()
    for sid in sids:
        reports = _reports(service, sid)
        assert reports and all(r["state"] == "error" for r in reports)
        assert all("time limit" in str(r["error"]) for r in reports)


def test_unfinished_work_is_taken_up_by_the_next_service(tmp_path: Path) -> None:
    first = _service(tmp_path)
    sids = first.submit_many([Incoming(LURE, "smtp", "alice@uni.example")] * 5)
    first.store.close()  # stops before analysing anything
    second = _service(tmp_path)
    assert second.store.counts()["submissions_waiting"] == 5
    second.process_until_idle()
    assert [len(_reports(second, sid)) for sid in sids] == [1] * 5
    assert second.store.counts()["done"] == 5
    campaigns = second.campaigns()  # rebuilt from the store
    assert len(campaigns) == 1 and campaigns[0].size == 5


class _Sink:
    """An SMTP server on loopback standing in for the organisation's relay."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(envelope.content)  # type: ignore[attr-defined]
        return "250 OK"


def test_smtp_round_trip_with_reply_to_the_reporter(tmp_path: Path) -> None:
    sink = _Sink()
    relay = Controller(sink, hostname="127.0.0.1", port=free_port())
    relay.start()
    from phalanx.config.mail_service import FeedbackSettings

    service = _service(
        tmp_path,
        smtp_port=free_port(),
        smtp_recipients=("phishing@uni.example",),
        feedback=FeedbackSettings(enabled=True, relay_port=relay.port,
                                  reply_domains=("uni.example",)),
    )
    intake = smtp_intake(service)
    intake.start()
    service.start()
    try:
        with smtplib.SMTP("127.0.0.1", service.settings.server.smtp_port) as client:
            client.sendmail("alice@uni.example", ["phishing@uni.example"],
                            report_with_attached(LURE, reporter="alice@uni.example"))
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                client.sendmail("alice@uni.example", ["someone@uni.example"], LURE)
        wait_for(lambda: service.store.counts()["done"] == 1, 30, "the report to be analysed")
        wait_for(lambda: len(sink.messages) == 1, 30, "the reply to the reporter")
    finally:
        service.stop()
        intake.stop()
        relay.stop()
    reply = sink.messages[0].decode()
    assert "To: alice@uni.example" in reply
    assert "credential-phishing" in reply or "phishing" in reply.lower()
    assert "hxxp" in reply and "http://login" not in reply  # links are defanged
    rows = service.store.list_reports()
    assert rows[0]["reporter"] == "alice@uni.example" and rows[0]["reply_state"] == "sent"


def test_serve_http_api_pages_and_login(tmp_path: Path) -> None:
    data = tmp_path / "data"
    made = phalanx("mail", "add-token", "tests", "-d", str(data))
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    with running_service(data, token) as running, running.client() as api:
        assert httpx.post(f"{running.http}/api/reports", content=LURE).status_code == 401
        hostile = message("Click <b>here</b>", subject="<script>alert(1)</script> invoice")
        posted = api.post("/api/reports", content=hostile, params={"reporter": "bob@uni.example"})
        assert posted.status_code == 202
        sid = posted.json()["submission"]
        wait_for(lambda: api.get(f"/api/submissions/{sid}").json()["state"] == "split", 30,
                 "the report to be analysed")
        report = api.get(f"/api/reports/{sid}.0").json()
        assert report["reporter"] == "bob@uni.example"
        assert report["analysis"]["subject"] == "<script>alert(1)</script> invoice"
        assert api.get("/api/reports", params={"verdict": report["verdict"]}).json()
        too_big = api.post("/api/reports", content=b"x" * (30_000_001))
        assert too_big.status_code == 413

        with httpx.Client(base_url=running.http, follow_redirects=False, timeout=30) as web:
            assert web.get("/").headers["location"] == "/login"
            store = Store.open(service_settings(data).server)
            store.set_user("alice", auth.hash_password("correct horse battery"))
            store.close()
            assert "Wrong name" in web.post(
                "/login", data={"name": "alice", "password": "wrong"}).text
            assert web.post("/login", data={"name": "alice",
                                            "password": "correct horse battery"}
                            ).status_code == 303
            page = web.get(f"/reports/{sid}.0")
            assert page.status_code == 200
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
            assert "<script>" not in page.text
            assert "script-src" not in page.headers["content-security-policy"]
            csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', web.get("/").text)
            assert csrf
            refused = web.post("/upload", data={"csrf": "0"},
                               files={"message": ("x.eml", LURE)})
            assert refused.status_code == 403
            uploaded = web.post("/upload", data={"csrf": csrf.group(1)},
                                files={"message": ("lure.eml", LURE)})
            assert uploaded.status_code == 303
            wait_for(lambda: api.get("/api/status").json()["done"] == 2, 30, "the upload")
            listed = web.get("/reports", params={"verdict": "malicious"})
            assert listed.status_code == 200 and f"/reports/{sid + 1}.0" in listed.text
            assert f"/reports/{sid}.0" not in listed.text
            cases_page = web.get("/takedowns", params={"status": "new"})
            assert cases_page.status_code == 200 and "evil-host.example" in cases_page.text
            assert web.get("/campaigns").status_code == 200
        wait_for(lambda: api.get("/api/status").json()["done"] == 2, 30, "the upload")
        malicious = api.get("/api/reports", params={"verdict": "malicious"}).json()
        assert [r["submission_id"] for r in malicious] == [sid + 1]
        cases = api.get("/api/takedowns").json()
        assert cases and all(c["status"] == "new" for c in cases)
        key = cases[0]["key"]
        moved = api.post("/api/takedowns/status", json={"key": key, "status": "reported",
                                                        "note": "sent to abuse desk"})
        assert moved.status_code == 200 and moved.json()["status"] == "reported"
        assert api.post("/api/takedowns/status",
                        json={"key": key, "status": "new"}).status_code == 409
        pack = api.get("/api/takedowns/evidence", params={"key": key})
        assert pack.status_code == 200 and pack.content[:2] == b"PK"


def _numbered(n: int) -> bytes:
    mail = EmailMessage()
    mail["From"] = "IT Helpdesk <helpdesk@evil-host.example>"
    mail["To"] = "staff@uni.example"
    mail["Subject"] = f"Mailbox quota {n}"
    mail["Message-ID"] = f"<kill-{n}@evil-host.example>"
    mail.set_content(f"Verify your account now: http://evil-host.example/v?{n}\n")
    return mail.as_bytes()


def test_a_killed_service_loses_no_acknowledged_report(tmp_path: Path) -> None:
    """SIGKILL while reports stream in over SMTP: every report answered 250 is there after a
    restart, and is analysed."""
    data = tmp_path / "data"
    token = phalanx("mail", "add-token", "tests", "-d", str(data)).stdout.strip()
    acknowledged: list[int] = []
    stop = threading.Event()

    def send(port: int) -> None:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
                for n in range(100_000):
                    if stop.is_set():
                        return
                    client.sendmail("alice@uni.example", ["phishing@uni.example"], _numbered(n))
                    acknowledged.append(n)
        except (smtplib.SMTPException, OSError):
            return  # the server died mid-conversation: what was not answered 250 is not ours

    with running_service(data, token) as running:
        sender = threading.Thread(target=send, args=(running.smtp_port,))
        sender.start()
        wait_for(lambda: len(acknowledged) >= 150, 60, "150 acknowledged reports")
        running.kill()
        stop.set()
        sender.join(30)
    assert len(acknowledged) >= 150

    with running_service(data, token) as running, running.client() as api:
        def drained() -> bool:
            counts = api.get("/api/status").json()
            return counts["submissions_waiting"] == 0 and counts["queued"] == 0
        wait_for(drained, 120, "the restarted service to finish the queue")
        rows = []
        for offset in range(0, 100_000, 1000):
            page = api.get("/api/reports", params={"limit": 1000, "offset": offset}).json()
            rows += page
            if len(page) < 1000:
                break
    subjects = {r["subject"] for r in rows}
    missing = [n for n in acknowledged if f"Mailbox quota {n}" not in subjects]
    assert not missing, f"acknowledged but lost: {missing[:20]}"
    assert all(r["state"] == "done" for r in rows)


def test_ingest_command_over_corpus_files(tmp_path: Path, corpus: Path) -> None:
    mail = corpus / "mail"
    data = tmp_path / "data"
    done = phalanx("mail", "ingest", str(mail / "sublime"), str(mail / "samples-msg"),
                   str(tmp_path / "missing.eml"), "-d", str(data), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert "missing.eml" in done.stderr and "1 input(s) not stored" in done.stderr
    rows = json.loads(done.stdout)
    assert len(rows) == 8
    by_name = {Path(r["file"]).name: r["reports"] for r in rows}
    assert all(by_name[name][0]["verdict"] in ("malicious", "suspicious")
               for name in by_name if name.endswith(".eml"))
    assert all(by_name[name][0]["state"] == "done" for name in by_name if name.endswith(".msg"))


def test_liveness_checker_closes_the_loop_with_the_reporter(tmp_path: Path) -> None:
    """A reported site that answers 404 on loopback: its case goes down and the reporter is
    told, through the relay (a loopback sink)."""
    import http.server

    class Gone(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(404)
            self.end_headers()

        def log_message(self, *_: object) -> None:
            return

    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Gone)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    sink = _Sink()
    relay = Controller(sink, hostname="127.0.0.1", port=free_port())
    relay.start()
    from phalanx.config.mail_service import FeedbackSettings, TakedownSettings

    url = f"http://127.0.0.1:{site.server_address[1]}/owa/verify"
    lure = message(
        f"Your mailbox is full. Verify your account within 24 hours or it will be closed: {url}",
        sender="IT Helpdesk <helpdesk@evil-host.example>",
        subject="Action required: mailbox quota",
        html=f'<p>Verify now: <a href="{url}">Outlook Web Access</a></p>'
        f'<form action="{url}" method="post"><input type="password" name="pw"></form>',
    )
    service = _service(
        tmp_path,
        feedback=FeedbackSettings(enabled=True, relay_port=relay.port),
        takedown=TakedownSettings(network_enabled=True, allow_private_addresses=True,
                                  request_timeout_seconds=5),
    )
    try:
        service.submit(lure, "smtp", "dora@uni.example")
        service.process_until_idle()
        cases = service.store.list_takedowns()
        assert [c.key for c in cases if c.kind == "url"] == [url]
        assert service.check_takedowns() >= 1
        case = service.store.takedowns([url])[url]
        assert case.status.value == "down" and case.last_checked is not None
        assert "HTTP 404" in case.timeline[-1].note
        assert service.check_takedowns() == 0  # not due again until the interval passes
    finally:
        relay.stop()
        site.shutdown()
    replies = [m.decode() for m in sink.messages]
    assert any("To: dora@uni.example" in r and "down" in r for r in replies)
