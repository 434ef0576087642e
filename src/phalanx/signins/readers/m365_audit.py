"""Microsoft 365 unified audit log, as the Purview portal exports it (CSV).

Columns CreationDate, UserIds, Operations, AuditData (a JSON string), and the older variant
with RecordType/UserId/Operation. UserLoggedIn is a success and UserLoginFailed a failure
whose reason comes from AuditData.LogonError, else ErrorNumber through the AADSTS table (one
table, shared with the Entra reader). Every other operation is a record, not a sign-in.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import orjson
import pyarrow as pa

from phalanx.config.signins import SigninSettings
from phalanx.signins.readers.aadsts import meaning
from phalanx.signins.readers.base import InputFile, InputStats
from phalanx.signins.records import NOT_A_SIGNIN, SignInBatches, pick_source
from phalanx.signins.schema import FailureReason, Outcome

NAME = "m365_audit"
_SIGN_INS = {"UserLoggedIn", "UserLoginFailed"}
_LOGON_ERRORS: dict[str, tuple[Outcome, FailureReason]] = {
    "InvalidUserNameOrPassword": (Outcome.FAILURE, FailureReason.BAD_PASSWORD),
    "InvalidPasswordExpiredPassword": (Outcome.PASSWORD_VALID, FailureReason.EXPIRED_PASSWORD),
    "UserAccountNotFound": (Outcome.FAILURE, FailureReason.UNKNOWN_ACCOUNT),
    "InvalidUserName": (Outcome.FAILURE, FailureReason.UNKNOWN_ACCOUNT),
    "IdsLocked": (Outcome.FAILURE, FailureReason.LOCKED_OUT),
    "UserAccountDisabled": (Outcome.FAILURE, FailureReason.DISABLED),
    "UserStrongAuthClientAuthNRequired": (Outcome.PASSWORD_VALID, FailureReason.MFA_REQUIRED),
    "UserStrongAuthClientAuthNRequiredInterrupt": (
        Outcome.PASSWORD_VALID,
        FailureReason.MFA_REQUIRED,
    ),
    "UserStrongAuthEnrollmentRequired": (Outcome.PASSWORD_VALID, FailureReason.MFA_REQUIRED),
    "DeviceAuthenticationRequired": (Outcome.PASSWORD_VALID, FailureReason.RESTRICTED),
}


def sniff(head: bytes, name: str) -> bool:
    first = head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].decode("utf-8", "replace")
    columns = {c.strip().strip('"') for c in first.split(",")}
    return "AuditData" in columns and bool(columns & {"Operations", "Operation"})


def read(
    source: InputFile, stats: InputStats, settings: SigninSettings
) -> Iterator[pa.RecordBatch]:
    batches = SignInBatches(source.name)
    text = io.TextIOWrapper(source.open(), encoding="utf-8-sig", errors="replace", newline="")
    rows = enumerate(csv.DictReader(text), start=2)
    try:
        yield from batches.consume(rows, stats, lambda row, n: _add(batches, row, n))
    except csv.Error as exc:
        stats.skip("malformed_csv", detail=str(exc))
        yield from batches.drain()


def _add(batches: SignInBatches, row: Mapping[str, str | None], number: int) -> str | None:
    operation = (row.get("Operations") or row.get("Operation") or "").strip()
    if operation not in _SIGN_INS:
        return NOT_A_SIGNIN
    try:
        audit = orjson.loads(row.get("AuditData") or "")
    except orjson.JSONDecodeError:
        return "bad_audit_data"
    if not isinstance(audit, dict):
        return "bad_audit_data"
    account = str(audit.get("UserId") or row.get("UserIds") or row.get("UserId") or "").strip()
    when = str(audit.get("CreationTime") or row.get("CreationDate") or "")
    try:
        moment = datetime.fromisoformat(when.replace("Z", "+00:00"))
    except ValueError:
        return "bad_time"
    if not account:
        return "no_account"
    outcome, reason = _result(operation, audit)
    source, kind = pick_source(str(audit.get("ClientIP") or "") or None)
    batches.add(
        time=moment,
        account=account,
        outcome=outcome,
        failure_reason=reason,
        source=source,
        source_kind=kind,
        target=str(audit.get("Workload") or "") or None,
        code=str(audit.get("ErrorNumber") or audit.get("LogonError") or "") or None,
        protocol="m365",
        client=_user_agent(audit),
        log_source=f"{NAME}:{operation}",
        record=number,
    )
    return None


def _result(operation: str, audit: Mapping[str, Any]) -> tuple[Outcome, FailureReason]:
    if operation == "UserLoggedIn":
        return Outcome.SUCCESS, FailureReason.NONE
    error = str(audit.get("LogonError") or "")
    if error in _LOGON_ERRORS:
        return _LOGON_ERRORS[error]
    try:
        outcome, reason = meaning(int(str(audit.get("ErrorNumber"))))
    except ValueError:
        return Outcome.FAILURE, FailureReason.OTHER
    return (
        (Outcome.FAILURE, FailureReason.OTHER) if outcome is Outcome.SUCCESS else (outcome, reason)
    )


def _user_agent(audit: Mapping[str, Any]) -> str | None:
    for item in audit.get("ExtendedProperties") or []:
        if isinstance(item, dict) and item.get("Name") == "UserAgent":
            return str(item.get("Value") or "") or None
    return None
