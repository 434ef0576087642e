"""How real logs write one sign-in: Entra ID (Graph signIn), Windows Security events, sshd.

Both the small example and the labelled simulator describe an attempt once, as an `Attempt`
(who, from where, when, what happened), and these functions turn it into the exact records the
products write, with the field names and codes of their documentation:
- Microsoft Graph `signIn` resource (beta shape, as `GET /auditLogs/signIns` returns it, with
  the source's `autonomousSystemNumber`, an Int32);
- Windows Security 4624/4625 (member servers) and 4768/4771 (Kerberos on the domain controller),
  in the flat NXLog/OTRF "Mordor" JSON-lines layout;
- OpenSSH `sshd` lines in RFC 3164 syslog (no year, day padded with a space).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Any


class Result(IntEnum):
    """What happened to one attempt, before any product's codes."""

    SUCCESS = 0
    BAD_PASSWORD = 1
    UNKNOWN_ACCOUNT = 2
    MFA_REQUIRED = 3  # the password was right; the second factor stopped the sign-in
    EXPIRED_PASSWORD = 4  # right but expired: also proves the password
    LOCKED_OUT = 5


# Entra ID result codes (AADSTS) and the failureReason text Graph gives with them.
ENTRA_CODES: dict[Result, tuple[int, str]] = {
    Result.SUCCESS: (0, "Other."),
    Result.BAD_PASSWORD: (
        50126,
        "Error validating credentials due to invalid username or password.",
    ),
    Result.UNKNOWN_ACCOUNT: (
        50034,
        "The user account does not exist in the directory. To sign into this application, "
        "the account must be added to the directory.",
    ),
    Result.MFA_REQUIRED: (50074, "Strong Authentication is required."),
    Result.EXPIRED_PASSWORD: (50055, "The password is expired."),
    Result.LOCKED_OUT: (
        50053,
        "Account is locked because user tried to sign in too many times with an incorrect "
        "user ID or password.",
    ),
}

# 4625 (Status, SubStatus) per result; 4771/4768 Kerberos status per result.
WINDOWS_4625: dict[Result, tuple[str, str]] = {
    Result.BAD_PASSWORD: ("0xc000006d", "0xc000006a"),
    Result.UNKNOWN_ACCOUNT: ("0xc000006d", "0xc0000064"),
    Result.EXPIRED_PASSWORD: ("0xc000006e", "0xc0000071"),
    Result.LOCKED_OUT: ("0xc0000234", "0x0"),
    Result.MFA_REQUIRED: ("0xc000006d", "0xc000006a"),  # Windows has no MFA step: a failure
}
KERBEROS_STATUS: dict[Result, str] = {
    Result.SUCCESS: "0x0",
    Result.BAD_PASSWORD: "0x18",  # 4771 KDC_ERR_PREAUTH_FAILED
    Result.UNKNOWN_ACCOUNT: "0x6",  # 4768 KDC_ERR_C_PRINCIPAL_UNKNOWN
    Result.EXPIRED_PASSWORD: "0x17",  # 4771 KDC_ERR_KEY_EXPIRED
    Result.LOCKED_OUT: "0x12",  # 4768 KDC_ERR_CLIENT_REVOKED
    Result.MFA_REQUIRED: "0x18",
}
# 4776 (NTLM credential validation on the DC): one NTSTATUS per result.
NTLM_STATUS: dict[Result, str] = {
    Result.SUCCESS: "0x0",
    Result.BAD_PASSWORD: "0xc000006a",
    Result.UNKNOWN_ACCOUNT: "0xc0000064",
    Result.EXPIRED_PASSWORD: "0xc0000071",
    Result.LOCKED_OUT: "0xc0000234",
    Result.MFA_REQUIRED: "0xc000006a",
}
SECURITY_PROVIDER = "Microsoft-Windows-Security-Auditing"
SECURITY_GUID = "{54849625-5478-4994-a5ba-3e3b0328c30d}"


@dataclass(frozen=True, slots=True)
class EntraApp:
    """The application and client a sign-in used, as Entra names them."""

    app_id: str
    name: str  # appDisplayName
    client: str  # clientAppUsed
    user_agent: str
    resource: str = "Office 365 Exchange Online"
    interactive: bool = True


BROWSER_OUTLOOK = EntraApp(
    "00000002-0000-0ff1-ce00-000000000000",
    "Office 365 Exchange Online",
    "Browser",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/122.0.0.0 Safari/537.36 Edg/122.0.0.0",
)
TEAMS = EntraApp(
    "1fec8e78-bce4-4aaf-ab1b-5451cc387264",
    "Microsoft Teams",
    "Mobile Apps and Desktop clients",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Teams/24004.1403.2634.2418 Chrome/114.0.5735.289 Electron/25.9.8 Safari/537.36",
    resource="Microsoft Teams Services",
)
MOBILE_OUTLOOK = EntraApp(
    "27922004-5251-4030-b22d-91ecd9a37ea4",
    "Outlook Mobile",
    "Mobile Apps and Desktop clients",
    "Outlook-iOS/2.0",
)
# What spraying tools look like to Entra: a legacy or scripted client, often a stock library UA.
SPRAY_TOOL = EntraApp(
    "1b730954-1685-4b74-9bfd-dac224a7b894",
    "Azure Active Directory PowerShell",
    "Mobile Apps and Desktop clients",
    "python-requests/2.31.0",
    resource="Windows Azure Active Directory",
)
LEGACY_SMTP = EntraApp(
    "00000002-0000-0ff1-ce00-000000000000",
    "Office 365 Exchange Online",
    "Authenticated SMTP",
    "BAV2ROPC",
)


@dataclass(frozen=True, slots=True)
class Attempt:
    """One sign-in attempt, whatever log will record it."""

    time: datetime  # aware, UTC
    account: str  # local part: "jsmith"
    source: str  # client IP
    result: Result
    mfa: bool = False  # a success that passed a second factor
    app: EntraApp = BROWSER_OUTLOOK
    asn: int | None = None  # the autonomous system of `source`, as Entra ID logs it


def sign_in_id(number: int, seed: int) -> str:
    """A stable, unique GUID for record `number`: deterministic from the seed."""
    return str(uuid.UUID(int=(seed & 0xFFFFFFFF) << 96 | number, version=4))


def graph_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def entra_signin(attempt: Attempt, domain: str, number: int, seed: int) -> dict[str, Any]:
    """A Microsoft Graph `signIn` object for one attempt."""
    code, reason = ENTRA_CODES[attempt.result]
    requirement = (
        "multiFactorAuthentication"
        if attempt.mfa or attempt.result is Result.MFA_REQUIRED
        else "singleFactorAuthentication"
    )
    identifier = sign_in_id(number, seed)
    upn = f"{attempt.account}@{domain}"
    return {
        "id": identifier,
        "createdDateTime": graph_time(attempt.time),
        "userDisplayName": display_name(attempt.account),
        "userPrincipalName": upn,
        "userId": sign_in_id(hash_account(attempt.account), seed ^ 0x5EED),
        "appId": attempt.app.app_id,
        "appDisplayName": attempt.app.name,
        "ipAddress": attempt.source,
        "autonomousSystemNumber": attempt.asn,
        "clientAppUsed": attempt.app.client,
        "userAgent": attempt.app.user_agent,
        "correlationId": identifier,
        "conditionalAccessStatus": "notApplied" if code else "success",
        "isInteractive": attempt.app.interactive,
        "authenticationRequirement": requirement,
        "resourceDisplayName": attempt.app.resource,
        "riskDetail": "none",
        "riskLevelAggregated": "none",
        "riskLevelDuringSignIn": "none",
        "riskState": "none",
        "riskEventTypes_v2": [],
        "status": {
            "errorCode": code,
            "failureReason": reason,
            "additionalDetails": _entra_details(attempt.result),
        },
        "deviceDetail": {
            "deviceId": "",
            "displayName": "",
            "operatingSystem": "Windows10",
            "browser": "Edge 122.0.0",
            "isCompliant": False,
            "isManaged": False,
            "trustType": "",
        },
        "location": {"city": "", "state": "", "countryOrRegion": ""},
        "appliedConditionalAccessPolicies": [],
    }


def _entra_details(result: Result) -> str | None:
    if result is Result.MFA_REQUIRED:
        return "MFA required in Azure AD"
    if result is Result.SUCCESS:
        return None
    return (
        "The user didn't enter the right credentials. It's expected to see some number of "
        "these errors in your logs due to users making mistakes."
    )


def display_name(account: str) -> str:
    words = account.rstrip("0123456789").replace("_", ".").split(".")
    return " ".join(word.capitalize() for word in words if word)


def hash_account(account: str) -> int:
    """A small stable number per account name (Python's hash() is salted per process)."""
    value = 0
    for char in account.encode():
        value = (value * 131 + char) & 0xFFFFFFFFFFFF
    return value


def syslog_time(moment: datetime) -> str:
    """RFC 3164 timestamp: no year, day of month padded with a space ("Mar  3 09:05:01")."""
    return f"{moment:%b} {moment.day:>2} {moment:%H:%M:%S}"


def sshd_messages(attempt: Attempt, port: int, valid_users: frozenset[str]) -> list[str]:
    """The sshd messages one password attempt leaves (without the syslog prefix)."""
    who = attempt.account
    where = f"from {attempt.source} port {port}"
    if attempt.result is Result.SUCCESS:
        return [f"Accepted password for {who} {where} ssh2"]
    if who not in valid_users:
        # sshd first notes the unknown name, then fails the password for "invalid user".
        return [
            f"Invalid user {who} {where}",
            f"Failed password for invalid user {who} {where} ssh2",
        ]
    return [f"Failed password for {who} {where} ssh2"]


def sshd_closed(attempt: Attempt, port: int, valid_users: frozenset[str]) -> str:
    """What sshd says when a client gives up after a failed password."""
    who = "authenticating user" if attempt.account in valid_users else "invalid user"
    return f"Connection closed by {who} {attempt.account} {attempt.source} port {port} [preauth]"


def sshd_line(moment: datetime, host: str, pid: int, message: str) -> str:
    return f"{syslog_time(moment)} {host} sshd[{pid}]: {message}\n"


def windows_event(
    attempt: Attempt, event_id: int, computer: str, domain: str, record: int
) -> dict[str, Any]:
    """One Security event in the flat OTRF/NXLog layout, with Microsoft's field names."""
    stamp = attempt.time.strftime("%Y-%m-%dT%H:%M:%S.") + f"{attempt.time.microsecond // 1000:03d}Z"
    event: dict[str, Any] = {
        "SourceName": SECURITY_PROVIDER,
        "ProviderGuid": SECURITY_GUID,
        "Level": "0",
        "Channel": "Security",
        "Hostname": computer,
        "Computer": computer,
        "TimeCreated": stamp,
        "@timestamp": stamp,
        "EventID": event_id,
        "EventRecordID": record,
        "Keywords": "0x8020000000000000"
        if attempt.result is Result.SUCCESS
        else "0x8010000000000000",
        "TargetUserName": attempt.account,
        "TargetDomainName": domain.upper(),
    }
    if event_id in (4768, 4771):
        event.update(
            Task="14339" if event_id == 4768 else "14337",
            ServiceName="krbtgt",
            TicketOptions="0x40810010",
            Status=KERBEROS_STATUS[attempt.result],
            PreAuthType="2" if attempt.result is Result.SUCCESS else "0",
            IpAddress=f"::ffff:{attempt.source}",
            IpPort=str(49152 + record % 16000),
        )
        return event
    if event_id == 4776:  # no address: the client names its own workstation
        event.update(
            Task="14336",
            PackageName="MICROSOFT_AUTHENTICATION_PACKAGE_V1_0",
            Workstation=attempt.source,
            Status=NTLM_STATUS[attempt.result],
        )
        return event
    status, sub_status = WINDOWS_4625.get(attempt.result, ("0x0", "0x0"))
    event.update(
        Task="12544",
        SubjectUserSid="S-1-0-0",
        SubjectUserName="-",
        SubjectDomainName="-",
        SubjectLogonId="0x0",
        TargetUserSid="S-1-0-0",
        LogonType="3",
        LogonProcessName="NtLmSsp ",
        AuthenticationPackageName="NTLM",
        WorkstationName="-",
        ProcessId="0x0",
        ProcessName="-",
        IpAddress=attempt.source,
        IpPort=str(49152 + record % 16000),
    )
    if event_id == 4625:
        event.update(Status=status, SubStatus=sub_status, FailureReason="%%2313")
    else:
        event.update(TargetLogonId=f"0x{record:x}", ImpersonationLevel="%%1833")
    return event
