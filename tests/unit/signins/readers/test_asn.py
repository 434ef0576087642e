"""The source's autonomous system, where a log gives it: Entra ID (Graph and Log Analytics
names), Okta (securityContext.asNumber) and column-mapped exports; null everywhere else."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from phalanx.config.signins import SigninSettings
from phalanx.signins.readers import detect, syslog_auth, windows_json
from phalanx.signins.readers.base import InputFile, InputStats
from phalanx.signins.records import SignInBatches, conform, normalise_asn
from phalanx.signins.schema import SIGNIN_SCHEMA, Outcome


def read(data: bytes, name: str = "export", config: SigninSettings | None = None) -> pl.DataFrame:
    source = InputFile(name, lambda: io.BytesIO(data), size=len(data))
    reader = detect(source, data[:65536])
    assert reader is not None
    stats = InputStats(path=name)
    batches = list(reader.read(source, stats, config or SigninSettings()))
    assert all(batch.schema.equals(SIGNIN_SCHEMA) for batch in batches)
    assert stats.skips.total == 0, stats.to_dict()
    frame = pl.from_arrow(pa.Table.from_batches(batches, schema=SIGNIN_SCHEMA))
    assert isinstance(frame, pl.DataFrame)
    return frame


def graph(upn: str, ip: str, **extra: Any) -> dict[str, Any]:
    """A Graph signIn (beta and v1.0 carry autonomousSystemNumber, an Int32)."""
    return {
        "id": "66ea54eb-6301-4ee5-be62-ff5a759b0100",
        "createdDateTime": "2024-03-04T09:00:00Z",
        "userDisplayName": "A User",
        "userPrincipalName": upn,
        "appDisplayName": "Azure Active Directory PowerShell",
        "ipAddress": ip,
        "clientAppUsed": "Mobile Apps and Desktop clients",
        "userAgent": "python-requests/2.31.0",
        "isInteractive": True,
        "authenticationRequirement": "singleFactorAuthentication",
        "status": {"errorCode": 50126, "failureReason": "Invalid username or password."},
        "location": {"city": "Amsterdam", "countryOrRegion": "NL"},
        **extra,
    }


GRAPH = [
    graph("a@contoso.org", "203.0.113.7", autonomousSystemNumber=14061),
    graph("b@contoso.org", "198.51.100.4", autonomousSystemNumber=8075),
    graph("c@contoso.org", "192.0.2.9"),  # an export without the field
    graph("d@contoso.org", "192.0.2.10", autonomousSystemNumber=0),  # 0: no AS
    graph("e@contoso.org", "192.0.2.11", autonomousSystemNumber="AS16509"),
    graph("f@contoso.org", "192.0.2.12", autonomousSystemNumber=None),
]
GRAPH_ASNS = ["14061", "8075", None, None, "16509", None]


def test_graph_json_lines_and_page_carry_the_as_number() -> None:
    lines = b"\n".join(orjson.dumps(record) for record in GRAPH) + b"\n"  # the fast path
    page = orjson.dumps({"@odata.context": "x", "value": GRAPH})  # the record path
    for data in (lines, page):
        frame = read(data, "signins.json")
        assert frame["account"].to_list() == ["a", "b", "c", "d", "e", "f"]
        assert frame["asn"].to_list() == GRAPH_ASNS


def test_azure_monitor_diagnostic_export_reads_it_from_properties() -> None:
    records = [
        {"time": "2024-03-04T09:00:00Z", "category": "SignInLogs", "properties": record}
        for record in GRAPH[:3]
    ]
    frame = read(orjson.dumps({"records": records}), "diagnostic.json")
    assert frame["asn"].to_list() == ["14061", "8075", None]


def analytics(upn: str, asn: str | None) -> dict[str, Any]:
    """A Log Analytics SigninLogs row, where AutonomousSystemNumber is a string column."""
    row = {
        "TimeGenerated": "2024-03-04T09:00:00Z",
        "UserPrincipalName": upn,
        "IPAddress": "203.0.113.7",
        "ResultType": "50126",
        "AppDisplayName": "Office 365 Exchange Online",
        "ClientAppUsed": "Browser",
        "Type": "SigninLogs",
    }
    return row if asn is None else {**row, "AutonomousSystemNumber": asn}


def test_log_analytics_exports_json_and_csv() -> None:
    rows = [analytics("a@x.org", "8075"), analytics("b@x.org", ""), analytics("c@x.org", None)]
    assert read(orjson.dumps(rows), "query.json")["asn"].to_list() == ["8075", None, None]
    lines = b"\n".join(orjson.dumps(row) for row in rows)
    assert read(lines, "query.jsonl")["asn"].to_list() == ["8075", None, None]
    csv = (
        b"TimeGenerated,UserPrincipalName,IPAddress,ResultType,AutonomousSystemNumber\n"
        b"2024-03-04T09:00:00Z,a@x.org,203.0.113.7,50126,8075\n"
        b"2024-03-04T09:00:01Z,b@x.org,203.0.113.8,50126,\n"
    )
    assert read(csv, "query.csv")["asn"].to_list() == ["8075", None]


def okta_event(user: str, context: Any) -> dict[str, Any]:
    event = {
        "uuid": "a2b1c3d4-0000-11ee-8000-000000000001",
        "published": "2024-03-04T09:00:00.000Z",
        "eventType": "user.session.start",
        "displayMessage": "User login to Okta",
        "severity": "WARN",
        "actor": {"id": "00u1", "type": "User", "alternateId": user, "displayName": "A"},
        "client": {
            "ipAddress": "198.51.100.8",
            "userAgent": {"rawUserAgent": "python-requests/2.31.0", "os": "Unknown"},
            "geographicalContext": {"country": "Netherlands"},
        },
        "outcome": {"result": "FAILURE", "reason": "INVALID_CREDENTIALS"},
    }
    return event if context is None else {**event, "securityContext": context}


def test_okta_reads_the_security_context_as_number() -> None:
    events = [
        okta_event(
            "a@x.org",
            {
                "asNumber": 14061,
                "asOrg": "digitalocean llc",
                "isp": "digitalocean llc",
                "domain": "digitalocean.com",
                "isProxy": False,
            },
        ),
        okta_event("b@x.org", {"asNumber": None, "asOrg": None, "isProxy": None}),
        okta_event("c@x.org", None),
        okta_event("d@x.org", "not an object"),
    ]
    frame = read(orjson.dumps(events))
    assert frame.select("account", "asn").rows() == [
        ("a", "14061"),
        ("b", None),
        ("c", None),
        ("d", None),
    ]


def test_a_column_map_may_name_the_as_column(tmp_path: Path) -> None:
    column_map = tmp_path / "vpn.toml"
    column_map.write_text(
        '[columns]\ntime = "date"\naccount = "user"\nsource = "ip"\noutcome = "action"\n'
        'asn = "as"\n[outcome]\nfailure = ["fail"]\n'
    )
    data = b"date,user,ip,action,as\n2024-03-04T09:00:00Z,amy,203.0.113.7,fail,AS8075\n"
    data += b"2024-03-04T09:00:01Z,ben,203.0.113.8,fail,\n"
    frame = read(data, config=SigninSettings(column_map=column_map))
    assert frame["asn"].to_list() == ["8075", None]


def test_logs_without_an_as_give_nulls(corpus: Path) -> None:
    sshd = (
        b"Mar  4 09:00:00 login1 sshd[100]: Failed password for root from 192.0.2.7 port 22 ssh2\n"
    )
    assert detect(InputFile("auth.log", lambda: io.BytesIO(sshd)), sshd) is syslog_auth
    frame = read(sshd, "auth.log")
    assert frame.height == 1 and frame["asn"].null_count() == 1
    archive = sorted((corpus / "signins" / "windows-json").glob("*.zip"))[0]
    with zipfile.ZipFile(archive) as opened:
        member = next(m for m in opened.namelist() if m.endswith(".json"))
        data = opened.read(member)
    source = InputFile(member, lambda: io.BytesIO(data))
    assert detect(source, data[:65536]) is windows_json
    frame = pl.from_arrow(
        pa.Table.from_batches(
            windows_json.read(source, InputStats(path=member), SigninSettings()),
            schema=SIGNIN_SCHEMA,
        )
    )
    assert isinstance(frame, pl.DataFrame)
    assert frame.height > 0 and frame["asn"].null_count() == frame.height


@given(st.integers(1, 2**32 - 1), st.sampled_from(["", "AS", "as", "AS ", "0"]))
def test_an_as_number_reads_the_same_however_it_is_written(number: int, prefix: str) -> None:
    assert normalise_asn(number) == normalise_asn(f"{prefix}{number}") == str(number)
    assert normalise_asn(f" {prefix}{number} ") == str(number)


@given(st.one_of(st.text(max_size=14), st.integers(), st.floats(), st.booleans(), st.none()))
def test_anything_else_is_digits_in_range_or_none(value: Any) -> None:
    found = normalise_asn(value)
    if found is not None:
        assert found.isascii() and found.isdigit() and not found.startswith("0")
        assert 0 < int(found) < 2**32
        assert type(value) in (int, str)


def test_a_table_of_an_earlier_schema_conforms_with_null_as_numbers() -> None:
    batches = SignInBatches("old.log")
    batches.add(
        time=datetime(2024, 3, 4, tzinfo=UTC),
        account="amy",
        outcome=Outcome.FAILURE,
        log_source="test",
        record=1,
    )
    batch = batches.flush()
    assert batch is not None
    old = pa.Table.from_batches([batch]).drop_columns(["asn"])
    table = conform(old)
    assert table.schema.equals(SIGNIN_SCHEMA)
    assert table.column("asn").to_pylist() == [None]
    assert table.drop_columns(["asn"]).equals(old)
