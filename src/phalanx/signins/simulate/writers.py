"""Write simulated events as the real logs: Entra signIn JSON lines, Windows JSON lines, sshd.

Speed matters (ten million events in under two minutes on two cores), so each record is a
template filled with a handful of strings: the constant part of every combination of channel
and result is rendered once, by the same functions that write the example
(`formats.entra_signin`, `formats.windows_event`), and reused for every row.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import orjson

from phalanx.signins.simulate.events import Channel, Events, Log
from phalanx.signins.simulate.formats import (
    BROWSER_OUTLOOK,
    MOBILE_OUTLOOK,
    SPRAY_TOOL,
    TEAMS,
    Attempt,
    Result,
    display_name,
    entra_signin,
    hash_account,
    windows_event,
)

ENTRA_APPS = {
    Channel.BROWSER: BROWSER_OUTLOOK,
    Channel.DESKTOP: TEAMS,
    Channel.MOBILE: MOBILE_OUTLOOK,
    Channel.TOOL: SPRAY_TOOL,
}
ENTRA_ROW_KEYS = (
    "id",
    "createdDateTime",
    "userDisplayName",
    "userPrincipalName",
    "userId",
    "ipAddress",
    "autonomousSystemNumber",
    "correlationId",
)
WINDOWS_ROW_KEYS = (
    "Workstation",
    "TimeCreated",
    "@timestamp",
    "EventRecordID",
    "TargetUserName",
    "IpAddress",
    "IpPort",
)
DC = "DC01.northfield.local"
MEMBER_SERVER = "RDS01.northfield.local"
SSH_HOST = "login1"
NETBIOS = "NORTHFIELD"
FILE_NAMES = {
    Log.ENTRA: ("entra-signins", ".jsonl"),
    Log.WINDOWS: ("windows-security", ".jsonl"),
    Log.SYSLOG: ("sshd-auth", ".log"),
}
BATCH = 50_000  # lines joined and written at once: bounded memory, few system calls
_PLACEHOLDER = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Rows:
    """Everything a writer needs to turn event columns into text, shared with worker processes."""

    events: Events
    accounts: list[str]
    sources: list[str]
    asns: list[int]  # each source's autonomous system number
    start: datetime
    domain: str
    seed: int


def _tail(record: dict[str, object], row_keys: tuple[str, ...]) -> str:
    """The record without its per-row keys, as JSON text without the opening brace."""
    constant = {k: v for k, v in record.items() if k not in row_keys}
    return orjson.dumps(constant).decode()[1:]


def entra_tails(domain: str) -> dict[tuple[int, int, bool], str]:
    tails: dict[tuple[int, int, bool], str] = {}
    for channel, app in ENTRA_APPS.items():
        for result in Result:
            for mfa in (False, True):
                attempt = Attempt(_PLACEHOLDER, "x", "x", result, mfa=mfa, app=app)
                tails[(channel, result, mfa)] = _tail(
                    entra_signin(attempt, domain, 0, 0), ENTRA_ROW_KEYS
                )
    return tails


def windows_event_id(channel: int, result: int) -> int:
    if channel == Channel.MOBILE:  # NTLM validation on the domain controller
        return 4776
    if channel == Channel.DESKTOP:  # Kerberos on the domain controller
        if result in (Result.BAD_PASSWORD, Result.EXPIRED_PASSWORD, Result.MFA_REQUIRED):
            return 4771
        return 4768
    return 4624 if result == Result.SUCCESS else 4625


def windows_tails() -> dict[tuple[int, int], str]:
    tails: dict[tuple[int, int], str] = {}
    for channel in Channel:
        for result in Result:
            event_id = windows_event_id(channel, result)
            computer = DC if event_id in (4768, 4771, 4776) else MEMBER_SERVER
            attempt = Attempt(_PLACEHOLDER, "x", "x", result)
            event = windows_event(attempt, event_id, computer, NETBIOS, 0)
            tails[(channel, result)] = _tail(event, WINDOWS_ROW_KEYS)
    return tails


class Clock:
    """Text for a whole-second offset from the start, cached per day and per second of day."""

    def __init__(self, start: datetime, days: int) -> None:
        dates = [start + timedelta(days=d) for d in range(days + 1)]
        self.iso_dates = [f"{d:%Y-%m-%d}" for d in dates]
        self.syslog_dates = [f"{d:%b} {d.day:>2}" for d in dates]
        self.clock = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400)]

    def iso(self, second: int) -> str:
        return f"{self.iso_dates[second // 86_400]}T{self.clock[second % 86_400]}"

    def syslog(self, second: int) -> str:
        return f"{self.syslog_dates[second // 86_400]} {self.clock[second % 86_400]}"


def write_entra(rows: Rows, index: np.ndarray, path: Path, clock: Clock) -> int:
    events = rows.events
    tails = entra_tails(rows.domain)
    names = [display_name(a) for a in rows.accounts]
    ids: dict[int, str] = {}
    places = [
        f'"ipAddress":"{address}","autonomousSystemNumber":{asn}'
        for address, asn in zip(rows.sources, rows.asns, strict=True)
    ]
    prefix = f"{rows.seed & 0xFFFFFFFF:08x}-0000-4000-8000-"
    lines = []
    for n, t, a, s, r, m, c in zip(
        index.tolist(),
        events.time[index].tolist(),
        events.account[index].tolist(),
        events.source[index].tolist(),
        events.result[index].tolist(),
        events.mfa[index].tolist(),
        events.channel[index].tolist(),
        strict=True,
    ):
        user = ids.get(a)
        if user is None:
            user = ids[a] = f"{hash_account(rows.accounts[a]):012x}"
        identifier = f"{prefix}{n:012x}"
        lines.append(
            f'{{"id":"{identifier}","createdDateTime":"{clock.iso(t)}Z",'
            f'"userDisplayName":"{names[a]}","userPrincipalName":"{rows.accounts[a]}@{rows.domain}",'
            f'"userId":"00000000-0000-4000-8000-{user}",{places[s]},'
            f'"correlationId":"{identifier}",{tails[(c, r, m)]}\n'
        )
    _write_lines(path, lines)
    return len(lines)


def workstation(account: int) -> str:
    """Each person's own PC, as the hospital names them."""
    return f"NFH-PC{account % 9000 + 1000:04d}"


def write_windows(rows: Rows, index: np.ndarray, path: Path, clock: Clock) -> int:
    events = rows.events
    tails = windows_tails()
    lines = []
    for n, t, a, s, r, c in zip(
        index.tolist(),
        events.time[index].tolist(),
        events.account[index].tolist(),
        events.source[index].tolist(),
        events.result[index].tolist(),
        events.channel[index].tolist(),
        strict=True,
    ):
        stamp = f"{clock.iso(t)}.000Z"
        head = (
            f'{{"TimeCreated":"{stamp}","@timestamp":"{stamp}","EventRecordID":{n + 1},'
            f'"TargetUserName":"{rows.accounts[a]}",'
        )
        if c == Channel.MOBILE:  # 4776 names the client's workstation, not its address
            lines.append(f'{head}"Workstation":"{workstation(a)}",{tails[(c, r)]}\n')
            continue
        address = rows.sources[s]
        if c == Channel.DESKTOP:
            address = f"::ffff:{address}"  # how the KDC writes an IPv4 client
        port = 49_152 + n * 7919 % 16_000
        lines.append(f'{head}"IpAddress":"{address}","IpPort":"{port}",{tails[(c, r)]}\n')
    _write_lines(path, lines)
    return len(lines)


def write_syslog(rows: Rows, index: np.ndarray, path: Path, clock: Clock) -> int:
    events = rows.events
    lines = []
    for n, t, a, s, r in zip(
        index.tolist(),
        events.time[index].tolist(),
        events.account[index].tolist(),
        events.source[index].tolist(),
        events.result[index].tolist(),
        strict=True,
    ):
        head = f"{clock.syslog(t)} {SSH_HOST} sshd[{10_000 + n % 90_000}]: "
        where = f"from {rows.sources[s]} port {32_768 + n * 7919 % 28_000}"
        user = rows.accounts[a]
        if r == Result.SUCCESS:
            lines.append(f"{head}Accepted password for {user} {where} ssh2\n")
        elif r == Result.UNKNOWN_ACCOUNT:
            lines.append(f"{head}Invalid user {user} {where}\n")
            lines.append(f"{head}Failed password for invalid user {user} {where} ssh2\n")
        else:
            lines.append(f"{head}Failed password for {user} {where} ssh2\n")
    _write_lines(path, lines)
    if len(index):  # a log file's mtime is its last line: what year inference starts from
        last = (rows.start + timedelta(seconds=int(events.time[index[-1]]))).timestamp()
        os.utime(path, (last, last))
    return len(index)


def _write_lines(path: Path, lines: list[str]) -> None:
    with path.open("wb") as stream:
        for start in range(0, len(lines), BATCH):
            stream.write("".join(lines[start : start + BATCH]).encode())


WRITERS: dict[Log, Callable[[Rows, np.ndarray, Path, Clock], int]] = {
    Log.ENTRA: write_entra,
    Log.WINDOWS: write_windows,
    Log.SYSLOG: write_syslog,
}
