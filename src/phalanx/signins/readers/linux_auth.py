"""What a Linux authentication message means, whoever wrote it to the log.

One parser for the messages of sshd, PAM, dovecot and postfix, shared by the syslog and the
journald readers: the transport differs, the words do not.

Counting rule (each attempt once): sshd writes "Failed password for X from IP" for every
password tried, and when PAM is in use also a "pam_unix(sshd:auth): authentication failure"
line for the same attempt, and an "Invalid user X from IP" notice per connection. Only the
"Failed …" line counts for sshd; the others are records, not sign-ins. Old-style
"sshd(pam_unix)" logs have no "Failed" lines, so there the PAM line counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from phalanx.signins.schema import FailureReason, Outcome

UNKNOWN_ACCOUNT = "(unknown)"  # PAM failures that do not name the account


@dataclass(frozen=True, slots=True)
class AuthEvent:
    account: str
    source: str
    outcome: Outcome
    reason: FailureReason
    protocol: str
    count: int = 1


_SSHD_FAILED = re.compile(
    r"Failed (?P<method>[\w-]+) for (?P<invalid>invalid user )?(?P<user>.*?) from (?P<ip>\S+)"
    r"(?: port \d+)?"
)
_SSHD_ACCEPTED = re.compile(r"Accepted (?P<method>[\w-]+) for (?P<user>\S+) from (?P<ip>\S+)")
_SSHD_NOT_ALLOWED = re.compile(r"User (?P<user>\S+) from (?P<ip>\S+) not allowed because")
_SSHD_PAM_ERROR = re.compile(
    r"error: PAM: Authentication failure for (?P<invalid>illegal user |invalid user )?"
    r"(?P<user>\S+) from (?P<ip>\S+)"
)
_REPEATED = re.compile(r"message repeated (?P<n>\d+) times: \[ ?(?P<msg>.*?) ?\]$")
_PAM_FAILURE = re.compile(r"authentication failure;.*?rhost=(?P<ip>\S*)(?:\s+user=(?P<user>\S+))?")
_DOVECOT_AUTH_FAILED = re.compile(
    r"(?:imap|pop3|managesieve|submission)-login: (?:Disconnected|Aborted login).*?"
    r"\(auth failed.*?\).*?user=<(?P<user>[^>]*)>.*?rip=(?P<ip>[\w.:]+)"
)
_DOVECOT_PASSDB = re.compile(
    r"auth(?:-worker)?(?:\(\d+\))?: (?:\w+)\((?P<user>[^,()]*),(?P<ip>[\w.:]+)(?:,<[^>]*>)?\): "
    r"(?P<what>Password mismatch|unknown user|pam_authenticate\(\) failed.*)"
)
_POSTFIX_SASL = re.compile(
    r"warning: [\w.-]+\[(?P<ip>[\w.:]+)\]: SASL \w+ authentication failed"
    r"(?:.*?sasl_username=(?P<user>\S+))?"
)
_DOVECOT_PROGRAMS = ("dovecot", "imap-login", "pop3-login", "auth", "auth-worker")


def parse_message(program: str, message: str) -> list[AuthEvent]:
    """Zero or more sign-ins from one log message of `program`."""
    repeated = _REPEATED.search(message)
    if repeated:
        events = parse_message(program, repeated.group("msg"))
        return [_times(e, int(repeated.group("n"))) for e in events]
    name = program.split("(")[0].rsplit("/", 1)[-1].lower()
    if name == "sshd":
        return _sshd(message, pam_style="(pam_unix)" in program)
    if name.startswith("dovecot") or name in _DOVECOT_PROGRAMS:
        return _dovecot(message)
    if name.startswith("postfix") or name == "smtpd":
        return _postfix(message)
    return _pam(message, name)


def _times(event: AuthEvent, n: int) -> AuthEvent:
    return AuthEvent(event.account, event.source, event.outcome, event.reason, event.protocol, n)


def _sshd(message: str, pam_style: bool) -> list[AuthEvent]:
    if pam_style:  # "sshd(pam_unix)[pid]": the only record of each failure
        return _pam(message, "ssh")
    if found := _SSHD_FAILED.search(message):
        reason = (
            FailureReason.UNKNOWN_ACCOUNT if found.group("invalid") else FailureReason.BAD_PASSWORD
        )
        return [AuthEvent(found.group("user"), found.group("ip"), Outcome.FAILURE, reason, "ssh")]
    if found := _SSHD_ACCEPTED.search(message):
        return [
            AuthEvent(
                found.group("user"), found.group("ip"), Outcome.SUCCESS, FailureReason.NONE, "ssh"
            )
        ]
    if found := _SSHD_NOT_ALLOWED.search(message):
        return [
            AuthEvent(
                found.group("user"),
                found.group("ip"),
                Outcome.FAILURE,
                FailureReason.RESTRICTED,
                "ssh",
            )
        ]
    if found := _SSHD_PAM_ERROR.search(message):
        reason = (
            FailureReason.UNKNOWN_ACCOUNT if found.group("invalid") else FailureReason.BAD_PASSWORD
        )
        return [AuthEvent(found.group("user"), found.group("ip"), Outcome.FAILURE, reason, "ssh")]
    return []


def _pam(message: str, service: str) -> list[AuthEvent]:
    found = _PAM_FAILURE.search(message)
    if not found:
        return []
    user = found.group("user")
    reason = FailureReason.BAD_PASSWORD if user else FailureReason.UNKNOWN_ACCOUNT
    return [AuthEvent(user or UNKNOWN_ACCOUNT, found.group("ip"), Outcome.FAILURE, reason, service)]


def _dovecot(message: str) -> list[AuthEvent]:
    if found := _DOVECOT_AUTH_FAILED.search(message):
        protocol = "pop3" if "pop3-login" in message else "imap"
        return [
            AuthEvent(
                found.group("user") or UNKNOWN_ACCOUNT,
                found.group("ip"),
                Outcome.FAILURE,
                FailureReason.BAD_PASSWORD,
                protocol,
            )
        ]
    if found := _DOVECOT_PASSDB.search(message):
        reason = (
            FailureReason.UNKNOWN_ACCOUNT
            if found.group("what") == "unknown user"
            else FailureReason.BAD_PASSWORD
        )
        return [
            AuthEvent(
                found.group("user") or UNKNOWN_ACCOUNT,
                found.group("ip"),
                Outcome.FAILURE,
                reason,
                "imap",
            )
        ]
    return []


def _postfix(message: str) -> list[AuthEvent]:
    if found := _POSTFIX_SASL.search(message):
        return [
            AuthEvent(
                found.group("user") or UNKNOWN_ACCOUNT,
                found.group("ip"),
                Outcome.FAILURE,
                FailureReason.BAD_PASSWORD,
                "smtp",
            )
        ]
    return []
