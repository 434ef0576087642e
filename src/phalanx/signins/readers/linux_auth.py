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

import ipaddress
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


# The address is the LAST "from X": a user name can itself contain " from " (injection).
# sshd writes "from ADDRESS port N sshV" and then, at most, ": details". A user name can hold
# " from X port N ssh2" itself (log injection): the genuine address is the first one followed
# by ":" or the end of the line; without a port, the last "from X".
_SSHD_FAILED = re.compile(r"Failed (?P<method>[\w/-]+) for (?P<invalid>invalid user )?")
_SSHD_FROM_PORT = re.compile(r" from (?P<ip>\S+) port \d+ ssh\d(?=:|\s*$)")
_SSHD_FROM_LAST = re.compile(r"^(?P<user>.*) from (?P<ip>\S+?)(?: port \d+)?\s*$")
_SSHD_ACCEPTED = re.compile(r"Accepted (?P<method>[\w/-]+) for (?P<user>\S+) from (?P<ip>\S+)")
_SSHD_NOT_ALLOWED = re.compile(r"User (?P<user>\S+) from (?P<ip>\S+) not allowed because")
_SSHD_ROOT_REFUSED = re.compile(r"ROOT LOGIN REFUSED FROM (?P<ip>\S+)")
_SSHD_PAM_ERROR = re.compile(
    r"error: PAM: (?i:authentication (?:failure|error)|"
    r"User not known to the underlying authentication module) for "
    r"(?P<invalid>illegal user |invalid user )?(?P<user>\S+) from (?P<ip>\S+)"
)
_SSHD_UNKNOWN_MODULE = "User not known to the underlying"
# Pre-authentication failures (fail2ban's aggressive and ddos modes): the client never got to
# try a password, or gave up mid-way. Failures of reason "other": named, not counted as guesses.
_PREAUTH = re.compile(
    r"\[preauth\]|Did not receive identification string|Bad protocol version identification|"
    r"Unable to negotiate|Timeout before authentication|banner exchange|ssh_dispatch_run_fatal|"
    r"kex_exchange_identification|refused connect from|no matching \w+ found|"
    r"Disconnecting invalid user|Invalid user|Auth fail|"
    # summaries of failures already counted one by one: reason "other" keeps them out of counts
    r"Too many authentication failures|maximum authentication attempts|"
    r"Connection (?:closed|reset) by (?:authenticating|invalid) user"
)
# Records, not sign-ins: informational lines, and sshd's PAM line for an attempt its
# "Failed password" line already counts.
_BENIGN = re.compile(
    r"Postponed|input_userauth_request|SSH: Server;|not allowed because account|^pam_unix\("
)
_CONNECTION_FROM = re.compile(r"^Connection from (?P<ip>\S+) port \d+")
_ADDRESS = re.compile(r"(?P<ip>[0-9a-fA-F:.]*[.:][0-9a-fA-F:.]+)")
_USER_IN_PREAUTH = re.compile(r"(?:for|user) (?:invalid user )?(?P<user>[^\s\[]+)")
_REPEATED = re.compile(r"message repeated (?P<n>\d+) times: \[ ?(?P<msg>.*?) ?\]$")
# The client's rhost= is the first one followed only by "user=..." or nothing: a forged ruser
# value or user name can hold "rhost=" itself (fail2ban's pam-generic fixtures).
_PAM_FAILURE = re.compile(
    r"authentication failure;.*?rhost=(?P<ip>\S*)(?:\s+user=(?P<user>\S*).*)?\s*$"
)
_DOVECOT_LOGIN = re.compile(
    r"(?P<service>imap|pop3|managesieve|submission)-login: (?P<what>.*?)rip=(?P<ip>[\w.:]+)"
)
_DOVECOT_LOGIN_FAILED = re.compile(
    r"auth failed|plaintext auth|no auth attempts|before auth was ready|didn't finish SASL|"
    r"SSL_accept\(\) failed|Too many invalid commands|Connection closed|Disconnected: [a-z]"
)
_DOVECOT_PASSDB = re.compile(
    r"\b(?:auth|passwd-file|sql|pam|ldap|passwd|shadow|checkpassword|bsdauth|static)"
    r"\((?P<user>[^,()]*),(?P<ip>[0-9a-fA-F.:]+)[,)]"
)
_DOVECOT_BAD = re.compile(r"(?i)password mismatch|pam_authenticate\(\) failed|invalid credentials")
_DOVECOT_UNKNOWN = re.compile(r"unknown user|User not known")
_DOVECOT_USER = re.compile(r"user=<([^>]*)>")
_POSTFIX_SASL = re.compile(
    r"warning: [\w.-]+\[(?P<ip>[\w.:]+)\]: SASL \w+ authentication failed"
    r"(?:.*?sasl_username=(?P<user>\S+))?"
)
_DOVECOT_PROGRAMS = ("dovecot", "imap-login", "pop3-login", "auth", "auth-worker")


def parse_message(
    program: str, message: str, pid: str | None = None, hosts: dict[str, str] | None = None
) -> list[AuthEvent]:
    """Zero or more sign-ins from one log message of `program`.

    `hosts` remembers, per sshd process id, the client address of its "Connection from"
    line: some pre-authentication failures ("Read from socket failed") do not repeat it.
    """
    repeated = _REPEATED.search(message)
    if repeated:
        events = parse_message(program, repeated.group("msg"), pid, hosts)
        return [_times(e, int(repeated.group("n"))) for e in events]
    name = program.split("(")[0].rsplit("/", 1)[-1].lower()
    if name in ("sshd", "sshd-session"):
        remembered = hosts if hosts is not None else {}
        return _sshd(message, "(pam_unix)" in program, pid or "", remembered)
    if name.startswith("dovecot") or name in _DOVECOT_PROGRAMS:
        return _dovecot(f"{program}: {message}")
    if name.startswith("postfix") or name == "smtpd":
        return _postfix(message)
    return _pam(message, name)


def _times(event: AuthEvent, n: int) -> AuthEvent:
    return AuthEvent(event.account, event.source, event.outcome, event.reason, event.protocol, n)


def _ssh(user: str, ip: str, outcome: Outcome, reason: FailureReason) -> list[AuthEvent]:
    return [AuthEvent(user, ip.strip("()[],"), outcome, reason, "ssh")]


def _sshd(message: str, pam_style: bool, pid: str, hosts: dict[str, str]) -> list[AuthEvent]:
    if pam_style or message.startswith("(pam_unix)"):  # old PAM: the only record of a failure
        return _pam(message, "ssh")
    if found := _CONNECTION_FROM.match(message):
        hosts[pid] = found.group("ip")
        return []
    if found := _SSHD_FAILED.search(message):
        if found.group("method") == "publickey":
            return []  # a client trying its keys one by one: not a guess (fail2ban agrees)
        reason = (
            FailureReason.UNKNOWN_ACCOUNT if found.group("invalid") else FailureReason.BAD_PASSWORD
        )
        rest = message[found.end() :]
        if at := _SSHD_FROM_PORT.search(rest):
            return _ssh(rest[: at.start()], at.group("ip"), Outcome.FAILURE, reason)
        if at := _SSHD_FROM_LAST.search(rest):
            return _ssh(at.group("user"), at.group("ip"), Outcome.FAILURE, reason)
        return []
    if found := _SSHD_ACCEPTED.search(message):
        return _ssh(found.group("user"), found.group("ip"), Outcome.SUCCESS, FailureReason.NONE)
    if found := (_SSHD_NOT_ALLOWED.search(message) or _SSHD_ROOT_REFUSED.search(message)):
        user = found.groupdict().get("user") or "root"
        return _ssh(user, found.group("ip"), Outcome.FAILURE, FailureReason.RESTRICTED)
    if found := _SSHD_PAM_ERROR.search(message):
        unknown = found.group("invalid") or _SSHD_UNKNOWN_MODULE in message
        reason = FailureReason.UNKNOWN_ACCOUNT if unknown else FailureReason.BAD_PASSWORD
        return _ssh(found.group("user"), found.group("ip"), Outcome.FAILURE, reason)
    return _preauth(message, pid, hosts)


def _preauth(message: str, pid: str, hosts: dict[str, str]) -> list[AuthEvent]:
    """A connection that failed before any credential was judged: reason "other"."""
    if not _PREAUTH.search(message) or _BENIGN.search(message):
        return []
    source = _client_address(message) or hosts.get(pid, "")
    user = _USER_IN_PREAUTH.search(message)
    account = user.group("user") if user else ""
    return _ssh(account or UNKNOWN_ACCOUNT, source, Outcome.FAILURE, FailureReason.OTHER)


def _pam(message: str, service: str) -> list[AuthEvent]:
    found = _PAM_FAILURE.search(message)
    if not found:
        return []
    user = found.group("user")
    reason = FailureReason.BAD_PASSWORD if user else FailureReason.UNKNOWN_ACCOUNT
    return [AuthEvent(user or UNKNOWN_ACCOUNT, found.group("ip"), Outcome.FAILURE, reason, service)]


def _client_address(message: str) -> str:
    """The client's address in a free-form sshd message: the last valid one after "from" or
    "by", else the last valid one at all ("port 7736:3:" is not an address)."""
    after_keyword, anywhere = "", ""
    for found in _ADDRESS.finditer(message):
        text = found.group("ip").strip(".,()[]").rstrip(":")
        text = text[7:] if text.startswith("::ffff:") else text
        try:
            ipaddress.ip_address(text)
        except ValueError:
            continue
        anywhere = text
        if message[: found.start()].endswith(("from ", "by ")):
            after_keyword = text
    return after_keyword or anywhere


def _dovecot(text: str) -> list[AuthEvent]:
    """Login processes say how a connection ended; the auth process why a password failed."""
    if found := _DOVECOT_LOGIN.search(text):
        what = found.group("what")
        if "no auth attempts" in what or not _DOVECOT_LOGIN_FAILED.search(what):
            return []
        user = _DOVECOT_USER.search(what)
        reason = FailureReason.BAD_PASSWORD if "auth failed" in what else FailureReason.OTHER
        return [
            AuthEvent(
                (user.group(1) if user else "") or UNKNOWN_ACCOUNT,
                found.group("ip"),
                Outcome.FAILURE,
                reason,
                found.group("service"),
            )
        ]
    passdb = list(_DOVECOT_PASSDB.finditer(text))
    if passdb and (_DOVECOT_BAD.search(text) or _DOVECOT_UNKNOWN.search(text)):
        found = passdb[-1]
        reason = (
            FailureReason.UNKNOWN_ACCOUNT
            if _DOVECOT_UNKNOWN.search(text)
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
    return _pam(text, "imap")


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
