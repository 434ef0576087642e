"""Every output format carries the findings faithfully; HTML escapes what logs contain."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import orjson
import pytest

from phalanx.core.finding import Evidence, Finding, Severity
from phalanx.reports import FORMATS, Report, blocklist, render

HOSTILE = "<script>alert(1)</script>"


def finding(sources: tuple[str, ...] = ("203.0.113.5",), confidence: str = "high") -> Finding:
    return Finding(
        kind="signins.password_spray",
        severity=Severity.CRITICAL,
        title=f"Spray {HOSTILE}",
        explanation="tried 25 accounts",
        technique="T1110.003",
        confidence=confidence,
        sources=sources,
        accounts=("alice", HOSTILE),
        compromised=("alice",),
        first_seen=datetime(2024, 1, 1, 9, tzinfo=UTC),
        last_seen=datetime(2024, 1, 1, 10, tzinfo=UTC),
        attempts=26,
        evidence=(Evidence("a.evtx", 7, {"account": HOSTILE}),),
        details={
            "timeline": [
                {"start": "2024-01-01T09:00:00Z", "attempts": 20},
                {"start": "2024-01-01T09:30:00Z", "attempts": 6},
            ]
        },
    )


REPORT = Report(
    "t",
    [finding()],
    [{"path": "a.evtx", "format": "evtx", "records": 3, "signins": 2, "skipped": {"no_time": 1}}],
)


def test_json_has_the_documented_keys() -> None:
    document = orjson.loads(render(REPORT, "json"))
    keys = {
        "kind",
        "severity",
        "technique",
        "sources",
        "accounts",
        "compromised",
        "first_seen",
        "last_seen",
        "attempts",
        "explanation",
        "evidence",
    }
    assert keys <= set(document["findings"][0])
    assert document["findings"][0]["severity"] == "critical"
    assert document["inputs"][0] == REPORT.inputs[0]


def test_ndjson_is_one_finding_a_line() -> None:
    lines = render(Report("t", [finding(), finding()]), "ndjson").splitlines()
    assert [orjson.loads(line)["attempts"] for line in lines] == [26, 26]


def test_csv_round_trips() -> None:
    rows = list(csv.DictReader(io.StringIO(render(REPORT, "csv"))))
    assert rows[0]["accounts"] == f"alice;{HOSTILE}" and rows[0]["attempts"] == "26"


def test_html_is_self_contained_and_escapes_log_content() -> None:
    page = render(REPORT, "html")
    assert HOSTILE not in page and "&lt;script&gt;" in page
    assert "<svg" in page and "http://" not in page.replace("http-equiv", "")
    assert "<script" not in page


def test_table_names_what_matters() -> None:
    text = render(REPORT, "table")
    assert "CRITICAL" in text and "compromised" in text and "no_time: 1" in text


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown format"):
        render(REPORT, "xml")
    assert set(FORMATS) == {"table", "json", "ndjson", "csv", "html"}


def test_blocklist_keeps_only_ips_of_high_confidence_findings() -> None:
    findings = [
        finding(("203.0.113.5", "win-host")),
        finding(("198.51.100.9",), confidence="medium"),
        finding(("2001:db8::1", "203.0.113.5")),
    ]
    assert blocklist(findings) == "203.0.113.5\n2001:db8::1\n"
