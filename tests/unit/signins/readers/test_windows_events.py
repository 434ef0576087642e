"""The one Windows event mapping (windows_events): status codes, sources, accounts, times."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from phalanx.signins.readers import windows_events
from phalanx.signins.records import SignInBatches


def _map(event_id: int, computer: str = "DC1", **fields: object) -> dict[str, Any]:
    batches = SignInBatches("test")
    windows_events.add_signin(
        batches,
        reader="t",
        event_id=event_id,
        fields=fields,
        time=datetime(2024, 1, 1, tzinfo=UTC),
        computer=computer,
        record=1,
    )
    batch = batches.flush()
    assert batch is not None
    (row,) = batch.to_pylist()
    return row


@pytest.mark.parametrize(
    ("status", "sub_status", "reason", "code"),
    [
        ("0xC000006D", "0xC000006A", "bad_password", "0xc000006a"),
        ("0xc000006d", "0xc0000064", "unknown_account", "0xc0000064"),
        ("0xc000006d", "0x0", "bad_password", "0xc000006d"),
        ("0xc0000234", "0x0", "locked_out", "0xc0000234"),
        ("0xc000006e", "0xc0000072", "disabled", "0xc0000072"),
        ("0xc000006e", "0xc0000071", "expired_password", "0xc0000071"),
        ("0xc000006e", "0xc0000224", "expired_password", "0xc0000224"),
        ("0xc000006e", "0xc0000193", "disabled", "0xc0000193"),
        ("0xc000015b", "0x0", "restricted", "0xc000015b"),
        ("0xc000006e", "0xc000006f", "restricted", "0xc000006f"),
        ("0xc000006e", "0xc0000070", "restricted", "0xc0000070"),
        ("0xc0000413", "0x0", "restricted", "0xc0000413"),
        ("0x0", "0x0", "restricted", "0x0"),
        ("0xc000005e", "0x0", "other", "0xc000005e"),
        ("3221225581", "3221225578", "bad_password", "0xc000006a"),  # decimal, as some export
        ("", "", "other", None),
    ],
)
def test_failed_logon_status_codes(status: str, sub_status: str, reason: str, code: str) -> None:
    row = _map(4625, TargetUserName="u", Status=status, SubStatus=sub_status)
    assert (row["outcome"], row["failure_reason"], row["code"]) == ("failure", reason, code)


def test_status_codes_are_lower_case_hex() -> None:
    assert windows_events.status_code("0xC000006A") == "0xc000006a"
    assert windows_events.status_code("-1073741718") == "0xc000006a"
    assert windows_events.status_code("0x00000018") == "0x18"
    assert windows_events.status_code("junk") == "junk"


@pytest.mark.parametrize(
    ("event_id", "status", "outcome", "reason"),
    [
        (4768, "0x0", "success", ""),
        (4768, "0x6", "failure", "unknown_account"),
        (4768, "0x12", "failure", "disabled"),
        (4771, "0x18", "failure", "bad_password"),
        (4771, "0x17", "failure", "expired_password"),
        (4771, "0x25", "failure", "other"),
        (4776, "0x0", "success", ""),
        (4776, "0xC000006A", "failure", "bad_password"),
        (4776, "0xc0000064", "failure", "unknown_account"),
        (4776, "0xc0000234", "failure", "locked_out"),
    ],
)
def test_kerberos_and_ntlm_status(event_id: int, status: str, outcome: str, reason: str) -> None:
    row = _map(event_id, TargetUserName="u", Status=status, IpAddress="::ffff:10.0.0.5")
    assert (row["outcome"], row["failure_reason"]) == (outcome, reason)
    assert row["protocol"] == ("ntlm" if event_id == 4776 else "kerberos")


def test_lockout_blames_the_caller_computer() -> None:
    row = _map(4740, TargetUserName="jsmith", TargetDomainName="WKS042")
    assert (row["account"], row["outcome"], row["failure_reason"]) == (
        "jsmith",
        "failure",
        "locked_out",
    )
    assert (row["source"], row["source_kind"], row["target"]) == ("wks042", "host", "DC1")


def test_explicit_credentials_come_from_the_computer_on_behalf_of_the_subject() -> None:
    row = _map(
        4648,
        computer="WKS1",
        SubjectUserName="mallory",
        TargetUserName="alice",
        TargetDomainName="CORP",
        TargetServerName="fileserver",
        IpAddress="10.0.0.9",
    )
    assert (row["account"], row["domain"], row["outcome"]) == ("alice", "corp", "attempt")
    assert (row["source"], row["source_kind"], row["client"]) == ("wks1", "host", "mallory")
    assert row["target"] == "fileserver"
    assert _map(4648, TargetUserName="a", TargetServerName="localhost")["target"] == "DC1"


def test_logon_source_prefers_address_then_workstation_then_process() -> None:
    both = {"IpAddress": "192.0.2.4", "WorkstationName": "W", "ProcessName": "C:\\x\\tool.exe"}
    assert _map(4624, TargetUserName="u", **both)["source"] == "192.0.2.4"
    assert _map(4624, TargetUserName="u", **{**both, "IpAddress": "-"})["source"] == "w"
    row = _map(
        4625, TargetUserName="u", IpAddress="-", WorkstationName="-", ProcessName="C:\\x\\t.exe"
    )
    assert (row["source"], row["source_kind"]) == ("t.exe", "process")


def test_unnamed_account_and_wrong_types_do_not_break_the_mapping() -> None:
    row = _map(4625, TargetUserName="-", Status=None, LogonType=[3], IpAddress={"a": 1})
    assert (row["account"], row["failure_reason"], row["protocol"], row["source"]) == (
        "",
        "other",
        None,
        "",
    )
    assert _map(4624, TargetUserName=True, LogonType=10)["protocol"] == "logon_type:10"


def test_times() -> None:
    parse = windows_events.parse_time
    assert parse({"#attributes": {"SystemTime": "2021-12-03T12:06:03.488713Z"}}) == datetime(
        2021, 12, 3, 12, 6, 3, 488713, tzinfo=UTC
    )
    assert parse("2022-08-03T18:32:13.156002300Z") == datetime(
        2022, 8, 3, 18, 32, 13, 156002, tzinfo=UTC
    )
    assert parse("2021-05-20T12:49:54.9456719Z UTC") is not None  # pyevtx-rs record header
    assert parse("2020-10-09T18:30:08-04:00") == datetime(2020, 10, 9, 22, 30, 8, tzinfo=UTC)
    for nothing in ("1601-01-01T00:00:00Z", "", "yesterday", None, 5, {"x": 1}):
        assert parse(nothing) is None
    assert parse("9999-12-31T23:00:00-05:00") is None
