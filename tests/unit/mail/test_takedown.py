"""Takedown cases: creation, lifecycle rules, evidence packs and liveness on loopback."""

from __future__ import annotations

import contextlib
import io
import json
import re
import socket
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from hashlib import sha256
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from phalanx.config.mail_service import TakedownSettings
from phalanx.mail.takedown import (
    Liveness,
    Status,
    TakedownCase,
    TransitionError,
    apply_liveness,
    cases_from_analysis,
    check_liveness,
    defang,
    due_for_check,
    evidence_pack,
    merge,
    next_status,
    redact_recipients,
    transition,
)

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def analysis(
    urls: list[str],
    *,
    verdict: str = "malicious",
    domains: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "verdict": verdict,
        "category": "credential_phishing",
        "subject": "Mailbox full",
        "sender": "IT Desk <it@evil.example>",
        "message_id": "<1@evil.example>",
        "date": "Sun, 22 Nov 2026 08:00:00 +0000",
        "reasons": ["link to a lookalike login page"],
        "indicators": {
            "urls": urls,
            "domains": domains or [],
            "ips": ["198.51.100.9"],
            "sender": "it@evil.example",
            "attachments": [{"name": "invoice.html", "sha256": "ab" * 32, "type": "text/html"}],
        },
    }


# --- cases -------------------------------------------------------------------------------------


def test_a_malicious_report_gives_one_case_per_url_and_nothing_for_legitimate_links() -> None:
    found = cases_from_analysis(
        "r1",
        analysis(
            [
                "https://login.evil.example/owa#frag",
                "HTTPS://LOGIN.EVIL.EXAMPLE/owa",  # the same page
                "https://www.microsoft.com/logo.png",  # the brand it imitates
                "https://docs.google.com/forms/d/e/abc/viewform",  # attacker content on a service
                "https://portal.uni.example/",  # our own site
                "https://nam02.safelinks.protection.outlook.com/?url=https%3A%2F%2Flogin.evil"
                ".example%2Fowa&data=x",  # Microsoft 365's wrapper around the same page
            ],
            domains=["login.evil.example", "lookalike-un1.example", "uni.example", "evil.example"],
        ),
        T0,
        organisation_domains=["uni.example"],
    )

    assert [(c.key, c.kind) for c in found] == [
        ("https://login.evil.example/owa", "url"),
        ("https://docs.google.com/forms/d/e/abc/viewform", "url"),
        ("lookalike-un1.example", "domain"),
    ]
    case = found[0]
    assert case.status is Status.NEW
    assert case.report_ids == ("r1",)
    assert case.first_seen == case.last_seen == T0
    assert case.timeline[0].note == "first reported in report r1"


@pytest.mark.parametrize("verdict", ["suspicious", "spam", "clean", None])
def test_only_malicious_reports_open_cases(verdict: str | None) -> None:
    assert cases_from_analysis("r1", analysis(["https://evil.example/"], verdict=verdict), T0) == []


def test_malformed_analyses_open_no_case() -> None:
    assert cases_from_analysis("r", {"verdict": "malicious", "indicators": "junk"}, T0) == []
    odd = {"verdict": "malicious", "indicators": {"urls": [None, 3, "not a url", "http://[::1"]}}
    assert cases_from_analysis("r", odd, T0) == []


def test_seeing_a_url_again_counts_reports_and_widens_first_and_last_seen() -> None:
    [first] = cases_from_analysis("r1", analysis(["https://evil.example/a"]), T0)
    [again] = cases_from_analysis(
        "r2", analysis(["https://evil.example/a"]), T0 + timedelta(hours=3)
    )
    [late] = cases_from_analysis(
        "r3", analysis(["https://evil.example/a"]), T0 - timedelta(hours=1)
    )

    case = merge(merge(first, again), late)
    assert case.report_count == 3
    assert case.first_seen == T0 - timedelta(hours=1)
    assert case.last_seen == T0 + timedelta(hours=3)
    assert merge(case, again).report_count == 3  # the same report twice counts once
    with pytest.raises(ValueError, match="cannot merge"):
        merge(case, cases_from_analysis("r4", analysis(["https://other.example/"]), T0)[0])


# --- lifecycle ---------------------------------------------------------------------------------


def new_case() -> TakedownCase:
    return cases_from_analysis("r1", analysis(["https://evil.example/login"]), T0)[0]


def test_the_whole_lifecycle_is_written_to_the_timeline() -> None:
    case = new_case()
    for step, status in enumerate(
        [Status.REPORTED, Status.DOWN, Status.BACK_UP, Status.REPORTED, Status.DOWN, Status.CLOSED]
    ):
        case = transition(case, status, T0 + timedelta(hours=step + 1), f"step {step}")

    assert case.status is Status.CLOSED
    assert [e.status.value for e in case.timeline] == [
        "new",
        "reported",
        "down",
        "back_up",
        "reported",
        "down",
        "closed",
    ]
    assert TakedownCase.from_dict(json.loads(json.dumps(case.to_dict()))) == case


@pytest.mark.parametrize(
    ("path", "forbidden"),
    [
        ([], Status.BACK_UP),  # new -> back_up: it was never down
        ([Status.REPORTED], Status.NEW),
        ([Status.REPORTED], Status.REPORTED),
        ([Status.CLOSED], Status.REPORTED),  # closed is final
        ([Status.REPORTED, Status.DOWN], Status.REPORTED),
    ],
)
def test_transitions_outside_the_lifecycle_are_refused(
    path: list[Status], forbidden: Status
) -> None:
    case = new_case()
    for status in path:
        case = transition(case, status, T0)
    with pytest.raises(TransitionError, match=f"{case.status.value} -> {forbidden.value}"):
        transition(case, forbidden, T0)


def test_liveness_results_move_the_case_only_where_the_lifecycle_says() -> None:
    up = Liveness("up", "HTTP 200")
    down = Liveness("down", "HTTP 404")
    unsure = Liveness("unknown", "HTTP 503")
    reported = transition(new_case(), Status.REPORTED, T0)

    assert next_status(reported, up) is None
    assert next_status(reported, unsure) is None
    assert next_status(reported, down) is Status.DOWN
    is_down = apply_liveness(reported, down, T0 + timedelta(hours=1))
    assert is_down.status is Status.DOWN
    assert is_down.timeline[-1].note == "liveness check: HTTP 404"
    assert is_down.last_checked == T0 + timedelta(hours=1)
    assert apply_liveness(is_down, up, T0 + timedelta(hours=2)).status is Status.BACK_UP
    closed = transition(is_down, Status.CLOSED, T0)
    assert apply_liveness(closed, up, T0) == replace_checked(closed, T0)
    not_checked = Liveness("not_checked", "network off")
    assert apply_liveness(reported, not_checked, T0) == reported


def replace_checked(case: TakedownCase, at: datetime) -> TakedownCase:
    return TakedownCase.from_dict({**case.to_dict(), "last_checked": at.isoformat()})


def test_checks_are_due_on_the_schedule_and_never_without_network() -> None:
    on = TakedownSettings(network_enabled=True, check_interval_minutes=60)
    case = apply_liveness(new_case(), Liveness("unknown", "x"), T0)
    assert not due_for_check(case, T0 + timedelta(minutes=59), on)
    assert due_for_check(case, T0 + timedelta(minutes=60), on)
    assert not due_for_check(case, T0 + timedelta(days=1), TakedownSettings())
    closed = transition(case, Status.CLOSED, T0)
    assert not due_for_check(closed, T0 + timedelta(days=1), on)


# --- evidence pack -----------------------------------------------------------------------------

HEADERS = (
    "Received: from mx.evil.example (mx.evil.example [198.51.100.9])\r\n"
    "\tby mx.uni.example with ESMTPS id 42\r\n\tfor <alice@uni.example>; Sun, 22 Nov 2026\r\n"
    "From: IT Desk <it@evil.example>\r\n"
    "To: Alice <alice@uni.example>,\r\n Bob <bob@uni.example>\r\n"
    "Cc: carol@uni.example\r\n"
    "Subject: Mailbox full\r\n"
)


def test_the_evidence_pack_holds_what_an_abuse_desk_needs_and_no_recipient() -> None:
    case = new_case()
    case = merge(case, cases_from_analysis("r2", analysis(["https://evil.example/login"]), T0)[0])
    case = transition(case, Status.REPORTED, T0 + timedelta(hours=1), "sent to abuse@host.example")
    reports = [
        ("r1", analysis(["https://evil.example/login", "https://evil.example/next"]), HEADERS),
        ("r2", analysis(["https://evil.example/login"]), HEADERS),
        ("unrelated", analysis(["https://x.example/"]), "To: dave@uni.example\r\n"),
    ]

    blob = evidence_pack(case, reports, generated_at=T0 + timedelta(hours=2))

    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        files = {
            n.removeprefix("takedown-evidence/"): archive.read(n).decode()
            for n in archive.namelist()
        }
    assert set(files) == {
        "summary.txt",
        "case.json",
        "urls.txt",
        "hashes.txt",
        "headers/r1.txt",
        "headers/r2.txt",
        "MANIFEST.sha256",
    }
    summary = files["summary.txt"]
    assert "hxxps[://]evil[.]example/login" in summary
    assert "2 report(s)" in summary
    assert "reported  sent to abuse@host.example" in summary
    assert "to be filled: abuse contact of evil.example" in summary
    assert files["urls.txt"] == "https://evil.example/login\nhttps://evil.example/next\n"
    assert files["hashes.txt"] == f"{'ab' * 32}  invoice.html\n"
    document = json.loads(files["case.json"])
    assert document["case"]["report_count"] == 2
    assert [r["report_id"] for r in document["reports"]] == ["r1", "r2"]
    headers = files["headers/r1.txt"]
    assert "it@evil.example" in headers and "198.51.100.9" in headers
    assert "uni.example>" not in headers and "bob@" not in headers and "carol@" not in headers
    assert "To: [redacted]" in headers and "for <[redacted]>" in headers
    for line in files["MANIFEST.sha256"].splitlines():
        digest, name = line.split("  ")
        assert sha256(files[name].encode()).hexdigest() == digest
    assert blob == evidence_pack(case, reports, generated_at=T0 + timedelta(hours=2))


def test_redaction_and_defanging() -> None:
    assert redact_recipients("Delivered-To: a@b.example\nX-Original-To: c@d.example\n") == (
        "Delivered-To: [redacted]\nX-Original-To: [redacted]\n"
    )
    assert defang("https://a.b.example/x.php") == "hxxps[://]a[.]b[.]example/x[.]php"


# --- liveness on loopback ----------------------------------------------------------------------


class Site(BaseHTTPRequestHandler):
    """A tiny phishing site: pages[path] = (status, body, extra headers)."""

    pages: ClassVar[dict[str, tuple[int, bytes, dict[str, str]]]] = {}
    hits: ClassVar[list[str]] = []
    delay: ClassVar[float] = 0.0

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        time.sleep(type(self).delay)
        status, body, headers = type(self).pages.get(self.path, (404, b"not found", {}))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)  # a checker that gave up has closed the connection

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    Site.pages, Site.hits, Site.delay = {}, [], 0.0
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


NETWORK = TakedownSettings(
    network_enabled=True, request_timeout_seconds=2.0, max_redirects=2, allow_private_addresses=True
)


def test_a_site_served_then_removed_then_back_walks_the_lifecycle(site: str) -> None:
    url = f"{site}/owa/login.php"
    Site.pages["/owa/login.php"] = (200, b"<form><input type=password></form>", {})
    case = transition(new_case(), Status.REPORTED, T0)

    live = check_liveness(url, NETWORK)
    assert (live.state, live.status_code) == ("up", 200)
    case = apply_liveness(case, live, T0 + timedelta(hours=1))
    assert case.status is Status.REPORTED

    del Site.pages["/owa/login.php"]
    case = apply_liveness(case, check_liveness(url, NETWORK), T0 + timedelta(hours=2))
    assert case.status is Status.DOWN
    assert case.timeline[-1].note == "liveness check: HTTP 404: the page is gone"

    Site.pages["/owa/login.php"] = (200, b"back again", {})
    case = apply_liveness(case, check_liveness(url, NETWORK), T0 + timedelta(hours=3))
    assert case.status is Status.BACK_UP


def test_a_hosting_suspension_page_counts_as_down(site: str) -> None:
    Site.pages["/"] = (200, b"<h1>This Account has been suspended.</h1>", {})
    assert check_liveness(site + "/", NETWORK).state == "down"


def test_a_stopped_server_counts_as_down() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    port = server.server_address[1]
    server.server_close()  # nothing listens on the port any more
    live = check_liveness(f"http://127.0.0.1:{port}/x", NETWORK)
    assert (live.state, live.detail) == ("down", "connection refused")


def test_redirects_are_followed_on_the_same_host_only_and_not_forever(site: str) -> None:
    Site.pages["/a"] = (302, b"", {"Location": "/b"})
    Site.pages["/b"] = (200, b"kit", {})
    assert check_liveness(site + "/a", NETWORK).final_url == site + "/b"

    Site.pages["/away"] = (302, b"", {"Location": "http://localhost:9/elsewhere"})
    live = check_liveness(site + "/away", NETWORK)
    assert live.state == "unknown"
    assert "another host" in live.detail

    Site.pages["/loop"] = (302, b"", {"Location": "/loop"})
    Site.hits.clear()
    assert check_liveness(site + "/loop", NETWORK).detail == "more than 2 redirects"
    assert len(Site.hits) == 3


def test_a_slow_site_is_inconclusive(site: str) -> None:
    Site.pages["/slow"] = (200, b"late", {})
    Site.delay = 0.6
    live = check_liveness(site + "/slow", replace(NETWORK, request_timeout_seconds=0.2))
    assert live.state == "unknown"
    assert "no answer within 0.2 s" in live.detail


def test_internal_addresses_are_never_fetched_by_default(site: str) -> None:
    Site.pages["/"] = (200, b"kit", {})
    live = check_liveness(site + "/", TakedownSettings(network_enabled=True))
    assert live.state == "unknown"
    assert live.detail == "127.0.0.1 resolves to internal address 127.0.0.1: not fetched"
    assert Site.hits == []


@pytest.mark.parametrize(
    ("errno", "state", "detail"),
    [
        (socket.EAI_NONAME, "down", "host name does not exist"),
        (socket.EAI_AGAIN, "unknown", "name lookup failed (temporary failure)"),
    ],
)
def test_a_name_that_does_not_exist_is_down_but_a_failing_resolver_is_not(
    monkeypatch: pytest.MonkeyPatch, errno: int, state: str, detail: str
) -> None:
    def no_dns(*args: Any, **kwargs: Any) -> Any:  # no resolver is asked in tests
        raise socket.gaierror(errno, "temporary failure")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    live = check_liveness("http://phish.invalid/login", NETWORK)
    assert (live.state, live.detail) == (state, detail)


def test_without_network_use_no_request_is_made(site: str) -> None:
    Site.pages["/"] = (200, b"kit", {})
    live = check_liveness(site + "/", TakedownSettings())
    assert live.state == "not_checked"
    assert Site.hits == []


@pytest.mark.corpus
def test_an_evidence_pack_from_real_phishing_hides_the_recipient(corpus: Path) -> None:
    analyze_module = pytest.importorskip("phalanx.mail.analyze")
    from phalanx.config.mail import MailSettings

    for path in sorted((corpus / "mail" / "phishing").iterdir())[:80]:
        raw = path.read_bytes()
        result = analyze_module.analyze(raw, MailSettings()).to_dict()
        cases = cases_from_analysis(path.name, result, T0)
        headers = raw.split(b"\n\n", 1)[0].decode("latin-1")
        if cases and re.search(r"^To:.*@", headers, re.MULTILINE | re.IGNORECASE):
            break
    else:
        pytest.skip("no malicious sample with a To: header among the first 80")

    blob = evidence_pack(cases[0], [(path.name, result, headers)], generated_at=T0)

    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        packed = archive.read(f"takedown-evidence/headers/{path.name}.txt").decode()
        summary = archive.read("takedown-evidence/summary.txt").decode()
        urls = archive.read("takedown-evidence/urls.txt").decode()
    assert re.search(r"^To: \[redacted\]$", packed, re.MULTILINE | re.IGNORECASE)
    assert not re.search(r"^To:.*@", packed, re.MULTILINE | re.IGNORECASE)
    assert cases[0].key in urls.splitlines()
    assert defang(cases[0].key) in summary
