"""The one sign-in schema: every reader produces Arrow batches of exactly this shape.

A sign-in is one authentication attempt as a log recorded it, normalised so that a Kerberos
pre-authentication failure on a domain controller, an Entra ID 50126 and an sshd "Failed
password" line can be counted together.
"""

from __future__ import annotations

from enum import StrEnum

import pyarrow as pa


class Outcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    # The password was right but the sign-in was stopped afterwards (MFA or Conditional Access
    # required, password expired...): for a sprayer this is a guessed password.
    PASSWORD_VALID = "password_valid"
    # An attempt whose result the log does not tell (4648 explicit credentials on the client).
    ATTEMPT = "attempt"


class FailureReason(StrEnum):
    NONE = ""
    BAD_PASSWORD = "bad_password"
    UNKNOWN_ACCOUNT = "unknown_account"
    DISABLED = "disabled"
    LOCKED_OUT = "locked_out"
    EXPIRED_PASSWORD = "expired_password"
    RESTRICTED = "restricted"  # logon right, time, workstation, Conditional Access policy
    MFA_REQUIRED = "mfa_required"
    OTHER = "other"


class SourceKind(StrEnum):
    """What the `source` column holds: an address when the log has one, else what it has."""

    IP = "ip"
    HOST = "host"  # workstation name the client gave (4776, 4625 without IP)
    PROCESS = "process"  # local process that asked (4625 logon type 2 by a tool)
    USER = "user"  # the account on whose behalf explicit credentials were used (4648)
    UNKNOWN = ""


SIGNIN_SCHEMA = pa.schema(
    [
        pa.field("time", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("account", pa.string(), nullable=False),  # normalised: lower case, no domain
        pa.field("account_raw", pa.string()),  # as the log wrote it
        pa.field("domain", pa.string()),  # NetBIOS domain or UPN suffix, lower case
        pa.field("is_machine", pa.bool_(), nullable=False),  # COMPUTER$ accounts
        pa.field("source", pa.string(), nullable=False),  # IP, else host, else process; "" if none
        pa.field("source_kind", pa.string(), nullable=False),  # a SourceKind value
        # The source's autonomous system number as the log gave it, digits only ("8075" for
        # AS8075); null where the log has none (Entra ID and Okta give one, Windows and sshd not).
        pa.field("asn", pa.string()),
        pa.field("target", pa.string()),  # host, application or service signed in to
        pa.field("outcome", pa.string(), nullable=False),  # an Outcome value
        pa.field("failure_reason", pa.string(), nullable=False),  # a FailureReason value
        pa.field("code", pa.string()),  # the log's own result code, e.g. 0xc000006a, 50126
        pa.field("protocol", pa.string()),  # kerberos, ntlm, ssh, entra:<client app>, logon type
        pa.field("client", pa.string()),  # user agent / client application where logged
        # "single_factor" | "multi_factor" | "" (Entra's authenticationRequirement, where logged)
        pa.field("auth_requirement", pa.string()),
        pa.field("log_source", pa.string(), nullable=False),  # reader name + event, e.g. evtx:4625
        pa.field("origin", pa.string(), nullable=False),  # file (archive!member) it came from
        pa.field("record", pa.int64(), nullable=False),  # record number or line number there
    ]
)

COLUMNS: tuple[str, ...] = tuple(SIGNIN_SCHEMA.names)
