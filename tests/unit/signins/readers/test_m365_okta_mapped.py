"""Microsoft 365 audit CSV, Okta System Log, and column-mapped CSV/NDJSON exports."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phalanx.config.signins import SigninSettings
from phalanx.core.errors import ConfigError
from phalanx.signins.readers import detect, m365_audit, mapped_csv, okta
from phalanx.signins.readers.base import InputFile, InputStats

FORTIGATE = mapped_csv.MAPS / "fortigate_vpn.toml"


def read(
    module: Any, data: bytes, config: SigninSettings | None = None
) -> tuple[pl.DataFrame, InputStats]:
    source = InputFile("export", lambda: io.BytesIO(data), size=len(data))
    assert detect(source, data[:65536]) is module
    stats = InputStats(path="export")
    batches = list(module.read(source, stats, config or SigninSettings()))
    frame = pl.from_arrow(pa.Table.from_batches(batches)) if batches else pl.DataFrame()
    assert isinstance(frame, pl.DataFrame)
    return frame, stats


def audit_csv(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["CreationDate", "UserIds", "Operations", "AuditData"])
    for row in rows:
        writer.writerow(
            [row["CreationTime"], row["UserId"], row["Operation"], orjson.dumps(row).decode()]
        )
    return out.getvalue().encode()


def audit(operation: str, user: str, **extra: Any) -> dict[str, Any]:
    return {
        "CreationTime": "2024-03-04T09:00:00",
        "UserId": user,
        "Operation": operation,
        "Workload": "AzureActiveDirectory",
        "ClientIP": "[2001:db8::5]:5555",
        "ResultStatus": "Success" if operation == "UserLoggedIn" else "Failed",
        "ExtendedProperties": [{"Name": "UserAgent", "Value": "BAV2ROPC"}],
        **extra,
    }


def test_m365_unified_audit_export() -> None:
    data = audit_csv(
        [
            audit(
                "UserLoginFailed",
                "a@x.org",
                LogonError="InvalidUserNameOrPassword",
                ErrorNumber="50126",
            ),
            audit("UserLoginFailed", "b@x.org", LogonError="UserStrongAuthClientAuthNRequired"),
            audit("UserLoginFailed", "c@x.org", ErrorNumber="50053"),
            audit("UserLoggedIn", "d@x.org"),
            audit("MailItemsAccessed", "d@x.org"),
        ]
    )
    frame, stats = read(m365_audit, data)
    assert frame.select("account", "outcome", "failure_reason").rows() == [
        ("a", "failure", "bad_password"),
        ("b", "password_valid", "mfa_required"),
        ("c", "failure", "locked_out"),
        ("d", "success", ""),
    ]
    assert frame["source"].unique().to_list() == ["2001:db8::5"]
    assert frame["client"][0] == "BAV2ROPC"
    assert (stats.records, stats.signins, stats.skips.total) == (5, 4, 0)


def okta_event(
    user: str, result: str, reason: str | None, kind: str = "user.session.start"
) -> dict[str, Any]:
    return {
        "uuid": "1",
        "published": "2024-03-04T09:00:00.000Z",
        "eventType": kind,
        "displayMessage": "User login to Okta",
        "actor": {"alternateId": user, "type": "User"},
        "client": {"ipAddress": "198.51.100.8", "userAgent": {"rawUserAgent": "curl/8"}},
        "outcome": {"result": result, "reason": reason},
    }


def test_okta_system_log_array_and_lines() -> None:
    events = [
        okta_event("a@x.org", "FAILURE", "INVALID_CREDENTIALS"),
        okta_event("b@x.org", "FAILURE", "LOCKED_OUT"),
        okta_event("c@x.org", "SUCCESS", None),
        okta_event("d@x.org", "FAILURE", None, "security.threat.detected"),
    ]
    for data in (orjson.dumps(events), b"\n".join(orjson.dumps(e) for e in events)):
        frame, stats = read(okta, data)
        assert frame.select("account", "failure_reason", "source", "client").rows() == [
            ("a", "bad_password", "198.51.100.8", "curl/8"),
            ("b", "locked_out", "198.51.100.8", "curl/8"),
            ("c", "", "198.51.100.8", "curl/8"),
        ]
        assert (stats.records, stats.signins) == (4, 3)


FORTI_CSV = (
    b"date,user,remip,action,reason,devname,tunneltype\n"
    b"2024-03-04 09:00:00,alice,203.0.113.7,ssl-login-fail,sslvpn_login_permission_denied,fw1,ssl\n"
    b"2024-03-04 09:00:05,ghost,203.0.113.7,ssl-login-fail,sslvpn_login_unknown_user,fw1,ssl\n"
    b"2024-03-04 09:01:00,bob,198.51.100.2,tunnel-up,,fw1,ssl\n"
    b"not a date,carol,198.51.100.2,tunnel-up,,fw1,ssl\n"
)


def test_column_map_reads_a_vpn_export() -> None:
    frame, stats = read(mapped_csv, FORTI_CSV, SigninSettings(column_map=FORTIGATE))
    assert frame.select("account", "outcome", "failure_reason", "source").rows() == [
        ("alice", "failure", "bad_password", "203.0.113.7"),
        ("ghost", "failure", "unknown_account", "203.0.113.7"),
        ("bob", "success", "", "198.51.100.2"),
    ]
    assert stats.skips.counts == {"bad_time": 1}


def test_column_map_reads_ndjson(tmp_path: Path) -> None:
    rows = [
        {
            "date": "2024-03-04 09:00:00",
            "user": "alice",
            "remip": "203.0.113.7",
            "action": "ssl-login-fail",
            "reason": "sslvpn_login_permission_denied",
        }
    ]
    data = b"\n".join(orjson.dumps(r) for r in rows) + b"\n"
    frame, _ = read(mapped_csv, data, SigninSettings(column_map=FORTIGATE))
    assert frame["failure_reason"].to_list() == ["bad_password"]


def test_without_a_map_the_file_is_named_not_guessed() -> None:
    frame, stats = read(mapped_csv, FORTI_CSV)
    assert frame.is_empty()
    assert stats.skips.counts == {"no_column_map": 1}
    assert "signins.column_map" in stats.skips.examples[0]


def test_a_map_missing_a_required_column_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[columns]\ntime = "date"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.toml: \[columns\] must name account, outcome"):
        mapped_csv.ColumnMap.load(bad)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=60), max_size=20))
def test_malformed_rows_never_crash(lines: list[str]) -> None:
    data = ("date,user,remip,action,reason\n" + "\n".join(lines)).encode()
    for module, config in (
        (mapped_csv, SigninSettings(column_map=FORTIGATE)),
        (m365_audit, SigninSettings()),
    ):
        header = b"CreationDate,UserIds,Operations,AuditData\n" if module is m365_audit else b""
        source = InputFile("fuzz.csv", lambda d=header + data: io.BytesIO(d))  # type: ignore[misc]
        stats = InputStats(path="fuzz.csv")
        rows = sum(b.num_rows for b in module.read(source, stats, config))
        assert rows == stats.signins


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(["eventType", "published", "actor", "client", "outcome"]),
            st.one_of(
                st.none(),
                st.text(max_size=20),
                st.integers(-5, 5),
                st.dictionaries(
                    st.sampled_from(["alternateId", "ipAddress", "result", "reason", "userAgent"]),
                    st.text(max_size=10),
                    max_size=3,
                ),
            ),
            max_size=5,
        ),
        max_size=15,
    )
)
def test_malformed_okta_events_never_crash(events: list[dict[str, Any]]) -> None:
    data = b"\n".join(orjson.dumps({"eventType": "user.session.start", **e}) for e in events)
    source = InputFile("fuzz.json", lambda: io.BytesIO(data))
    stats = InputStats(path="fuzz.json")
    rows = sum(b.num_rows for b in okta.read(source, stats, SigninSettings()))
    assert rows == stats.signins
