"""Entra ID sign-in logs in every exported shape, and the result codes that prove a password."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from phalanx.config.signins import SigninSettings
from phalanx.signins.readers import detect, entra
from phalanx.signins.readers.base import InputFile, InputStats
from phalanx.signins.simulate.example import write_example_logs


def signin(upn: str, code: int, ip: str = "203.0.113.7", **extra: Any) -> dict[str, Any]:
    """A Graph signIn resource, with the fields Microsoft documents."""
    return {
        "id": "00000000-0000-0000-0000-000000000001",
        "createdDateTime": "2024-03-04T09:00:00Z",
        "userPrincipalName": upn,
        "appDisplayName": "Office 365 Exchange Online",
        "ipAddress": ip,
        "clientAppUsed": "Browser",
        "userAgent": "python-requests/2.31",
        "authenticationRequirement": "singleFactorAuthentication",
        "isInteractive": True,
        "status": {"errorCode": code, "failureReason": "", "additionalDetails": None},
        **extra,
    }


def read(data: bytes, name: str = "signins.json") -> tuple[pl.DataFrame, InputStats]:
    source = InputFile(name, lambda: io.BytesIO(data), size=len(data))
    assert detect(source, data[:65536]) is entra
    stats = InputStats(path=name)
    batches = list(entra.read(source, stats, SigninSettings()))
    frame = pl.from_arrow(pa.Table.from_batches(batches)) if batches else pl.DataFrame()
    assert isinstance(frame, pl.DataFrame)
    return frame, stats


def test_graph_page_with_the_codes_that_matter() -> None:
    page = {
        "@odata.context": "x",
        "value": [
            signin("Alice@Contoso.org", 50126),
            signin("bob@contoso.org", 50074),
            signin("carol@contoso.org", 53003),
            signin("dave@contoso.org", 0, authenticationRequirement="multiFactorAuthentication"),
            signin("eve@contoso.org", 50034),
        ],
    }
    frame, stats = read(orjson.dumps(page))
    rows = frame.select("account", "outcome", "failure_reason", "code", "auth_requirement").rows()
    assert rows == [
        ("alice", "failure", "bad_password", "50126", "single_factor"),
        ("bob", "password_valid", "mfa_required", "50074", "single_factor"),
        ("carol", "password_valid", "restricted", "53003", "single_factor"),
        ("dave", "success", "", "0", "multi_factor"),
        ("eve", "failure", "unknown_account", "50034", "single_factor"),
    ]
    assert frame["source"].unique().to_list() == ["203.0.113.7"]
    assert frame["client"][0] == "Browser / python-requests/2.31"
    assert (stats.records, stats.signins, stats.skips.total) == (5, 5, 0)


def test_json_lines_with_a_broken_line_counted() -> None:
    data = (
        orjson.dumps(signin("a@x.org", 50126)) + b"\n{broken\n" + orjson.dumps(signin("b@x.org", 0))
    )
    frame, stats = read(data)
    assert frame["account"].to_list() == ["a", "b"]
    assert stats.skips.counts == {"invalid_json": 1}
    assert stats.records == 3


def test_azure_monitor_diagnostic_export() -> None:
    records = {
        "records": [
            {
                "time": "2024-03-04T09:00:00Z",
                "category": "NonInteractiveUserSignInLogs",
                "properties": signin("a@x.org", 50053),
            }
        ]
    }
    frame, _ = read(orjson.dumps(records))
    assert frame.select("failure_reason", "log_source").row(0) == (
        "locked_out",
        "entra:noninteractive",
    )


def test_log_analytics_csv_export() -> None:
    data = (
        (
            "TimeGenerated [UTC],UserPrincipalName,IPAddress,ResultType,AppDisplayName,"
            "ClientAppUsed,AuthenticationRequirement\n"
            "2024-03-04T09:00:00Z,a@x.org,198.51.100.4,50126,Azure Portal,Browser,"
            "singleFactorAuthentication\n"
        )
        .replace("TimeGenerated [UTC]", "TimeGenerated")
        .encode()
    )
    frame, stats = read(data, "export.csv")
    assert frame.select("account", "source", "code").row(0) == ("a", "198.51.100.4", "50126")
    assert stats.skips.total == 0


def test_example_logs_read_without_a_skip(tmp_path: Path) -> None:
    write_example_logs(tmp_path)
    frame, stats = read((tmp_path / "entra-signins.json").read_bytes())
    assert stats.skips.total == 0
    assert frame.height == stats.records > 1000


def test_records_without_account_or_code_are_skipped_by_name() -> None:
    data = orjson.dumps(
        {
            "value": [
                signin("", 0),
                {**signin("a@x.org", 0), "status": {}},
                7,
            ]
        }
    )
    frame, stats = read(data)
    assert frame.is_empty()
    assert stats.skips.counts == {"no_account": 1, "no_result_code": 1, "not_an_object": 1}


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.binary(max_size=200),
            st.dictionaries(
                st.sampled_from(
                    ["userPrincipalName", "createdDateTime", "status", "ipAddress", "properties"]
                ),
                st.one_of(
                    st.none(),
                    st.integers(-(2**63), 2**63 - 1),
                    st.text(max_size=20),
                    st.dictionaries(st.text(max_size=8), st.integers(0, 10**6), max_size=2),
                ),
                max_size=5,
            ).map(orjson.dumps),
        ),
        max_size=20,
    )
)
def test_malformed_input_never_crashes(lines: list[bytes]) -> None:
    data = b'{"userPrincipalName":"x","createdDateTime":"y"}\n' + b"\n".join(lines)
    source = InputFile("fuzz.json", lambda: io.BytesIO(data))
    stats = InputStats(path="fuzz.json")
    rows = sum(b.num_rows for b in entra.read(source, stats, SigninSettings()))
    assert rows == stats.signins
    assert stats.signins + stats.skips.total <= stats.records
