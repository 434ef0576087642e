"""One mapping from a Windows Security event to a sign-in, shared by the .evtx and JSON readers.

Both readers hand over the same three things: the event ID, the event's data fields (the
<EventData> of the record, by name) and its header (time, computer, record number). What a
4625, a 4771 or a 4776 means is decided here once, so a Kerberos spray reads the same from a
domain controller's .evtx as from a Winlogbeat export of it.

Status codes: Windows writes NTSTATUS codes (4625, 4776) and Kerberos error codes (4768, 4771);
both map onto the few failure reasons the detectors reason about. The raw code is kept, in
lower-case hex, in the `code` column.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from phalanx.signins.records import EARLIEST_VALID, SignInBatches, pick_source
from phalanx.signins.schema import FailureReason, Outcome, SourceKind

Fields = Mapping[str, Any]

SUCCESSFUL_LOGON = 4624
FAILED_LOGON = 4625
EXPLICIT_CREDENTIALS = 4648
ACCOUNT_LOCKED_OUT = 4740
KERBEROS_TGT_REQUEST = 4768
KERBEROS_PREAUTH_FAILED = 4771
NTLM_VALIDATION = 4776
LOGON_EVENT_IDS = frozenset(
    {
        SUCCESSFUL_LOGON,
        FAILED_LOGON,
        EXPLICIT_CREDENTIALS,
        ACCOUNT_LOCKED_OUT,
        KERBEROS_TGT_REQUEST,
        KERBEROS_PREAUTH_FAILED,
        NTLM_VALIDATION,
    }
)

_NO_STATUS = "0x0"
# STATUS_LOGON_FAILURE says only "unknown user name or bad password", STATUS_ACCOUNT_RESTRICTION
# only "some restriction"; the sub-status, when there is one, says which.
_LOGON_FAILURE = "0xc000006d"
_ACCOUNT_RESTRICTION = "0xc000006e"
_GENERIC_STATUSES = frozenset({_LOGON_FAILURE, _ACCOUNT_RESTRICTION})
_NTSTATUS: dict[str, FailureReason] = {
    # 0x0 on a failed logon: refused by policy (a logon right), the password was not checked.
    _NO_STATUS: FailureReason.RESTRICTED,
    _LOGON_FAILURE: FailureReason.BAD_PASSWORD,
    _ACCOUNT_RESTRICTION: FailureReason.RESTRICTED,  # e.g. RDP denied, blank password
    "0xc000006a": FailureReason.BAD_PASSWORD,
    "0xc0000064": FailureReason.UNKNOWN_ACCOUNT,
    "0xc0000072": FailureReason.DISABLED,
    "0xc0000193": FailureReason.DISABLED,  # account expired: no longer usable, like disabled
    "0xc0000234": FailureReason.LOCKED_OUT,
    "0xc0000071": FailureReason.EXPIRED_PASSWORD,
    "0xc0000224": FailureReason.EXPIRED_PASSWORD,  # password must change
    "0xc000006f": FailureReason.RESTRICTED,  # outside logon hours
    "0xc0000070": FailureReason.RESTRICTED,  # workstation not allowed
    "0xc000010b": FailureReason.RESTRICTED,  # logon type not valid for this logon (UAC prompt)
    "0xc000015b": FailureReason.RESTRICTED,  # logon right (type) not granted
    "0xc0000413": FailureReason.RESTRICTED,  # authentication firewall
}
_KERBEROS: dict[str, FailureReason] = {
    "0x6": FailureReason.UNKNOWN_ACCOUNT,  # KDC_ERR_C_PRINCIPAL_UNKNOWN
    "0x12": FailureReason.DISABLED,  # KDC_ERR_CLIENT_REVOKED: disabled, expired, locked, hours
    "0x17": FailureReason.EXPIRED_PASSWORD,  # KDC_ERR_KEY_EXPIRED
    "0x18": FailureReason.BAD_PASSWORD,  # KDC_ERR_PREAUTH_FAILED
    "0x25": FailureReason.OTHER,  # KRB_AP_ERR_SKEW: the client's clock, not its password
}
_NOTHING = frozenset({"", "-"})  # what Windows writes into a field it has no value for
_THIS_COMPUTER = frozenset({"", "-", "localhost", "127.0.0.1", "::1"})


def text(fields: Fields, key: str) -> str:
    """A field as text: .evtx gives numbers as numbers, JSON exports as strings; others are ""."""
    value = fields.get(key)
    # type() rather than isinstance(): this runs for every field of every logon event, and a
    # bool is not an int here.
    if type(value) is str:
        return value.strip()
    if type(value) is int:
        return str(value)
    return ""


def event_id_of(value: object) -> int | None:
    """4625 from 4625 or "4625"; None for anything that is not an event ID."""
    if type(value) is int:
        return value
    if isinstance(value, str) and value.strip().isdigit():
        try:  # "0\x1f" strips to digits but int() keeps the \x1f; "²" is a digit int() refuses
            return int(value.strip())
        except ValueError:
            return None
    return None


def parse_time(value: object) -> datetime | None:
    """An aware UTC time from an ISO string or .evtx's {"#attributes": {"SystemTime": ...}}.

    None when the value is missing, unreadable or before 1980: FILETIME 0 (1601-01-01) is what
    Windows writes when it has no time, and a window computed with it would span centuries.
    """
    if isinstance(value, dict):
        value = value.get("#attributes", value)
        value = value.get("SystemTime") if isinstance(value, dict) else None
    if type(value) is not str:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().removesuffix(" UTC"))
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):  # unreadable, or pushed past year 9999 by its offset
        return None
    return moment if moment >= EARLIEST_VALID else None


@lru_cache(maxsize=1024)
def status_code(raw: str) -> str:
    """Lower-case hex without padding ("0xC000006A", "3221225578", "-1073741718" → 0xc000006a)."""
    text = raw.strip().casefold()
    try:
        number = int(text[2:], 16) if text.startswith("0x") else int(text)
    except ValueError:
        return text
    return hex(number & 0xFFFFFFFF)


def add_signin(
    batches: SignInBatches,
    *,
    reader: str,
    event_id: int,
    fields: Fields,
    time: datetime,
    computer: str,
    record: int,
) -> None:
    """Adds the sign-in one logon event records; `event_id` must be in LOGON_EVENT_IDS."""
    signin = describe(event_id, fields, computer)
    batches.add(time=time, log_source=f"{reader}:{event_id}", record=record, **signin)


def describe(event_id: int, fields: Fields, computer: str) -> dict[str, Any]:
    """The sign-in a logon event records, as keywords of SignInBatches.add (no time, record)."""
    signin = _MAPPERS[event_id](fields, computer)
    signin.setdefault("target", computer or None)
    return signin


def _account(
    fields: Fields, user_key: str = "TargetUserName", domain_key: str | None = "TargetDomainName"
) -> str:
    """DOMAIN\\user as the log names it, so normalise_account() can split it; "" when unnamed."""
    user = text(fields, user_key)
    if user in _NOTHING:
        return ""
    domain = text(fields, domain_key) if domain_key else ""
    if domain in _NOTHING or "\\" in user or "@" in user:
        return user
    return f"{domain}\\{user}"


def _logon_source(fields: Fields) -> dict[str, Any]:
    """4624/4625: who logged on, from where (IP, else the client's name, else the process)."""
    source, kind = pick_source(
        text(fields, "IpAddress"), text(fields, "WorkstationName"), text(fields, "ProcessName")
    )
    logon_type = text(fields, "LogonType")
    return {
        "account": _account(fields),
        "source": source,
        "source_kind": kind,
        "protocol": f"logon_type:{logon_type}" if logon_type else None,
    }


def _successful_logon(fields: Fields, computer: str) -> dict[str, Any]:
    return {**_logon_source(fields), "outcome": Outcome.SUCCESS}


def _failed_logon(fields: Fields, computer: str) -> dict[str, Any]:
    status = status_code(text(fields, "Status"))
    sub_status = status_code(text(fields, "SubStatus"))
    narrows = status in _GENERIC_STATUSES and sub_status not in ("", _NO_STATUS)
    code = sub_status if narrows else status
    return {
        **_logon_source(fields),
        "outcome": Outcome.FAILURE,
        "failure_reason": _NTSTATUS.get(code, FailureReason.OTHER),
        "code": code or None,
    }


def _explicit_credentials(fields: Fields, computer: str) -> dict[str, Any]:
    # Logged on the client: the attempt comes from this computer, on behalf of the subject (the
    # sprayer's own account, kept as `client`); the outcome is not in the event.
    source, kind = pick_source(None, computer)
    server = text(fields, "TargetServerName")
    return {
        "account": _account(fields),
        "outcome": Outcome.ATTEMPT,
        "source": source,
        "source_kind": kind,
        "target": (computer or None) if server.casefold() in _THIS_COMPUTER else server,
        "client": text(fields, "SubjectUserName") or None,
        "protocol": "explicit_credentials",
    }


def _checked_credentials(
    fields: Fields,
    account: str,
    source: tuple[str, SourceKind],
    protocol: str,
    reasons: Mapping[str, FailureReason],
    *,
    may_succeed: bool = True,
) -> dict[str, Any]:
    """4768, 4771, 4776: a domain controller checked a password and wrote the result code."""
    code = status_code(text(fields, "Status"))
    succeeded = may_succeed and code == _NO_STATUS
    return {
        "account": account,
        "outcome": Outcome.SUCCESS if succeeded else Outcome.FAILURE,
        "failure_reason": FailureReason.NONE
        if succeeded
        else reasons.get(code, FailureReason.OTHER),
        "code": code or None,
        "source": source[0],
        "source_kind": source[1],
        "protocol": protocol,
    }


def _kerberos_tgt_request(fields: Fields, computer: str) -> dict[str, Any]:
    source = pick_source(text(fields, "IpAddress"))
    return _checked_credentials(fields, _account(fields), source, "kerberos", _KERBEROS)


def _kerberos_preauth_failed(fields: Fields, computer: str) -> dict[str, Any]:
    source = pick_source(text(fields, "IpAddress"))
    return _checked_credentials(
        fields, _account(fields), source, "kerberos", _KERBEROS, may_succeed=False
    )


def _ntlm_validation(fields: Fields, computer: str) -> dict[str, Any]:
    # 4776 has no address: the workstation name is the client's own claim, the best there is.
    source = pick_source(None, text(fields, "Workstation"))
    account = _account(fields, domain_key=None)
    return _checked_credentials(fields, account, source, "ntlm", _NTSTATUS)


def _account_locked_out(fields: Fields, computer: str) -> dict[str, Any]:
    # In 4740 "TargetDomainName" holds the Caller Computer Name: where the bad passwords came from.
    source, kind = pick_source(None, text(fields, "TargetDomainName"))
    return {
        "account": _account(fields, domain_key=None),
        "outcome": Outcome.FAILURE,
        "failure_reason": FailureReason.LOCKED_OUT,
        "source": source,
        "source_kind": kind,
    }


# The events whose account is TargetUserName alone (in 4740 the "domain" is the caller's computer;
# 4776 has none): every other logon event names DOMAIN\\user from its two fields.
ACCOUNT_WITHOUT_DOMAIN = frozenset({NTLM_VALIDATION, ACCOUNT_LOCKED_OUT})

_MAPPERS = {
    SUCCESSFUL_LOGON: _successful_logon,
    FAILED_LOGON: _failed_logon,
    EXPLICIT_CREDENTIALS: _explicit_credentials,
    ACCOUNT_LOCKED_OUT: _account_locked_out,
    KERBEROS_TGT_REQUEST: _kerberos_tgt_request,
    KERBEROS_PREAUTH_FAILED: _kerberos_preauth_failed,
    NTLM_VALIDATION: _ntlm_validation,
}
