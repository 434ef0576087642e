"""MFA gaps from Arrow sign-in tables built here, registrations and the two JSON reports."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pyarrow as pa
import pytest

from phalanx.core import Severity
from phalanx.core.errors import InputError
from phalanx.passwords.mfa import (
    Registration,
    account_key,
    mfa_gaps,
    read_registrations,
    read_report,
    to_findings,
)
from phalanx.signins.schema import SIGNIN_SCHEMA

WHEN = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _signins(rows: list[tuple[str, str, str]]) -> pa.Table:
    """(account, outcome, auth_requirement) rows in the sign-in schema."""
    columns: dict[str, list[object]] = {name: [] for name in SIGNIN_SCHEMA.names}
    for number, (account, outcome, requirement) in enumerate(rows, start=1):
        values = {"time": WHEN, "account": account, "account_raw": account, "domain": "nwh",
                  "is_machine": False, "source": "203.0.113.7", "source_kind": "ip",
                  "asn": None, "target": "Office 365", "outcome": outcome, "failure_reason": "",
                  "code": "0", "protocol": "entra:IMAP4", "client": "IMAP4",
                  "auth_requirement": requirement, "log_source": "entra", "origin": "t",
                  "record": number}
        for name in SIGNIN_SCHEMA.names:
            columns[name].append(values[name])
    return pa.Table.from_pydict(columns, schema=SIGNIN_SCHEMA)


SPRAY = {"findings": [{"kind": "signins.password_spray", "accounts": ["amy", "ben", "cat"],
                       "compromised": ["ben"]}], "inputs": []}
AUDIT = {"findings": [{"kind": "passwords.sprayable", "accounts": ["NWH\\ben"]},
                      {"kind": "passwords.listed", "accounts": ["NWH\\dan"]},
                      {"kind": "passwords.lm_hash", "accounts": ["NWH\\amy"]}]}


def test_sprayed_no_mfa_and_guessable_comes_first() -> None:
    table = _signins([("amy", "success", "single_factor"), ("ben", "success", "single_factor"),
                      ("ben", "success", "single_factor"), ("cat", "success", "multi_factor"),
                      ("dan", "success", "single_factor"), ("eve", "failure", "single_factor")])
    registrations = [Registration("cat@nwh.nhs.uk", True, True, ("microsoftAuthenticator",)),
                     Registration("fay@nwh.nhs.uk", False, False)]
    gaps = mfa_gaps(table, registrations, SPRAY, AUDIT)
    assert [g.account for g in gaps] == ["ben", "amy", "dan", "fay"]
    findings = to_findings(gaps)
    assert [f.severity for f in findings] == [Severity.CRITICAL, Severity.HIGH, Severity.HIGH,
                                              Severity.MEDIUM]
    assert findings[0].compromised == ("ben",)
    assert findings[0].details["single_factor_signins"] == 2
    assert findings[0].details["clients"] == ["IMAP4"]
    assert "amy" not in {f.accounts[0] for f in findings if f.details["guessable"]}


def test_account_keys_join_upn_sam_and_signin_names() -> None:
    assert account_key("NWH\\JSmith") == account_key("jsmith@nwh.nhs.uk") == "jsmith"


def test_registration_exports_json_and_csv(tmp_path: Path) -> None:
    as_json = tmp_path / "reg.json"
    as_json.write_bytes(orjson.dumps({"value": [
        {"userPrincipalName": "amy@nwh.nhs.uk", "isMfaRegistered": False, "isMfaCapable": False,
         "methodsRegistered": [], "isAdmin": True}]}))
    as_csv = tmp_path / "reg.csv"
    as_csv.write_text("userPrincipalName,isMfaRegistered,isMfaCapable,methodsRegistered\n"
                      "ben@nwh.nhs.uk,True,True,\"['mobilePhone', 'email']\"\n")
    amy, = read_registrations(as_json)
    ben, = read_registrations(as_csv)
    assert (amy.mfa_registered, amy.is_admin) == (False, True)
    assert (ben.mfa_registered, ben.methods) == (True, ("mobilePhone", "email"))


def test_reports_that_are_not_phalanx_json_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text("[1, 2]")
    with pytest.raises(InputError, match="findings"):
        read_report(path)
