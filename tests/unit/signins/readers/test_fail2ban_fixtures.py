"""fail2ban's own regression fixtures: every line it counts as a failure is a failed sign-in
blaming the same host; no line it clears is one.

Each fixture line is preceded by `# failJSON: {"match": true|false, "host": ...}`. The syslog
files go through the syslog reader whole (so per-process memory works as in production); the
sshd-journal file holds bare "host program[pid]: message" lines, parsed with the same message
parser. A few of fail2ban's labels depend on its per-mode, multi-line state (the same text is
labelled both ways in different places) or on counting rules Phalanx chooses differently; each
is listed in EXCEPTIONS with its reason, so nothing is skipped silently.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest

from phalanx.config.signins import SigninSettings, SyslogSettings
from phalanx.signins.readers import syslog_auth
from phalanx.signins.readers.base import InputFile, InputStats
from phalanx.signins.readers.linux_auth import parse_message
from phalanx.signins.records import normalise_ip

CONTEXT = "fail2ban labels this text both ways in the same file: it depends on its mode state"
DOUBLE = "sshd also writes the 'Failed password' line for this attempt: counted there, once"
ACCEPTED = "a successful sign-in: fail2ban's 'matches' it only to reset its counters"
PUBLICKEY = "a client trying its keys one by one is not guessing (fail2ban's normal mode agrees)"
INJECTION = "a log-injection line naming no genuine host"
NO_ATTEMPT = (
    "a connection that never tried a password: fail2ban's aggressive mode counts it, its normal "
    "mode clears the same text (dovecot lines 97-133); not a sign-in"
)
NO_TAG = "no ':' after the syslog tag, so the message cannot be told from the tag"
OLD_PAM = (
    "Linux-PAM before 0.99.2 (2005), which fail2ban no longer supports; Phalanx still reads it "
    "because real logs such as the corpus's pam-syslog-2k.log are written that way"
)
EXCEPTIONS: dict[tuple[str, int], str] = {
    ("sshd", 151): PUBLICKEY,
    ("sshd", 153): PUBLICKEY,
    ("sshd-journal", 149): PUBLICKEY,
    ("sshd-journal", 151): PUBLICKEY,
    ("sshd", 250): DOUBLE,
    ("sshd-journal", 242): DOUBLE,
    ("sshd", 252): ACCEPTED,
    ("sshd", 262): ACCEPTED,
    ("sshd-journal", 244): ACCEPTED,
    ("sshd-journal", 254): ACCEPTED,
    ("sshd-journal", 66): INJECTION,
    ("sshd-journal", 68): INJECTION,
    ("sshd", 175): CONTEXT,  # "Connection closed by X [preauth]": counted at 177
    ("sshd-journal", 173): CONTEXT,
    ("sshd", 180): CONTEXT,  # "Too many authentication failures": counted at 173, 203
    ("sshd", 185): CONTEXT,
    ("sshd-journal", 178): CONTEXT,
    ("sshd-journal", 183): CONTEXT,
    ("sshd", 232): CONTEXT,  # same summary for an invalid user
    ("sshd", 271): CONTEXT,  # "Disconnected from authenticating user": counted at 407
    ("sshd-journal", 263): CONTEXT,
    ("sshd", 327): CONTEXT,  # kex_exchange_identification: counted at 322, 324
    ("sshd", 352): CONTEXT,
    ("sshd", 354): CONTEXT,  # "Connection closed by X port N": only in ddos mode
    ("sshd", 96): NO_TAG,
    ("pam-generic", 12): OLD_PAM,
    **{("dovecot", n): NO_ATTEMPT for n in (159, 161, 164, 166, 168, 170, 177)},
}
SYSLOG_FILES = ("sshd", "pam-generic", "dovecot")
_BARE = re.compile(r"^(?P<host>\S+) (?P<prog>[\w./-]+)(?:\[(?P<pid>\d+)\])?: (?P<msg>.*)$")


def labelled(path: Path) -> Iterator[tuple[int, dict[str, object]]]:
    """(line number, label) for every fixture line that carries a failJSON label."""
    label: dict[str, object] | None = None
    for number, line in enumerate(path.read_text("utf-8", "replace").splitlines(), start=1):
        if line.startswith("# failJSON:"):
            label = json.loads(line.split(":", 1)[1])
        elif line.strip() and not line.startswith("#"):
            if label is not None:
                yield number, label
            label = None


def failures_by_line(path: Path) -> dict[int, set[str]]:
    data = path.read_bytes()
    source = InputFile(str(path), lambda: io.BytesIO(data))
    stats = InputStats(path=str(path))
    settings = SigninSettings(syslog=SyslogSettings(year=2005))
    batches = list(syslog_auth.read(source, stats, settings))
    if not batches:
        return {}
    frame = pl.from_arrow(pa.Table.from_batches(batches))
    assert isinstance(frame, pl.DataFrame)
    failed = frame.filter(pl.col("outcome") != "success")
    found: dict[int, set[str]] = {}
    for record, source_ip in failed.select("record", "source").iter_rows():
        found.setdefault(record, set()).add(source_ip)
    return found


def bare_failures_by_line(path: Path) -> dict[int, set[str]]:
    hosts: dict[str, str] = {}
    found: dict[int, set[str]] = {}
    for number, line in enumerate(path.read_text("utf-8", "replace").splitlines(), start=1):
        match = _BARE.match(line)
        if line.startswith("#") or not match:
            continue
        for event in parse_message(match["prog"], match["msg"], match["pid"], hosts):
            if event.outcome.value != "success":
                found.setdefault(number, set()).add(normalise_ip(event.source))
    return found


def check(name: str, found: dict[int, set[str]], path: Path) -> list[str]:
    wrong = []
    for number, label in labelled(path):
        if (name, number) in EXCEPTIONS:
            continue
        sources = found.get(number, set())
        if label.get("match"):
            host = normalise_ip(str(label.get("host")))
            if host not in sources:
                wrong.append(f"{name}:{number} counted by fail2ban, got {sorted(sources)}")
        elif sources:
            wrong.append(f"{name}:{number} cleared by fail2ban, got a failure {sorted(sources)}")
    return wrong


@pytest.mark.parametrize("name", SYSLOG_FILES)
def test_syslog_fixtures_agree_with_fail2ban(corpus: Path, name: str) -> None:
    path = corpus / "signins" / "linux" / "fail2ban-fixtures" / name
    assert check(name, failures_by_line(path), path) == []


def test_journal_fixture_agrees_with_fail2ban(corpus: Path) -> None:
    path = corpus / "signins" / "linux" / "fail2ban-fixtures" / "sshd-journal"
    assert check("sshd-journal", bare_failures_by_line(path), path) == []


def test_exceptions_are_few_and_each_has_a_reason(corpus: Path) -> None:
    fixtures = corpus / "signins" / "linux" / "fail2ban-fixtures"
    total = sum(1 for name in (*SYSLOG_FILES, "sshd-journal") for _ in labelled(fixtures / name))
    assert len(EXCEPTIONS) * 10 < total
    assert all(EXCEPTIONS.values())
