"""Linux authentication logs in syslog: RFC 3164 (no year), RFC 5424, ISO-timestamp rsyslog.

sshd, PAM, dovecot and postfix messages become sign-ins (see linux_auth); every other line is
a record. RFC 3164 lines carry no year: it is `signins.syslog.year` when set, else the year of
the file's modification time, and a line whose month falls after that time's month belongs to
the year before (a log that spans New Year). Times without an offset are read in
`signins.syslog.timezone`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow as pa

from phalanx.config.signins import SigninSettings
from phalanx.signins.readers.base import InputFile, InputStats
from phalanx.signins.readers.linux_auth import parse_message
from phalanx.signins.records import SignInBatches, pick_source

NAME = "syslog"
_MONTHS = {
    m: n
    for n, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_RFC3164 = re.compile(
    r"^(?P<mon>[A-Z][a-z]{2}) {1,2}(?P<day>\d{1,2}) (?P<time>\d\d:\d\d:\d\d)(?:\.\d+)? "
    r"(?:(?P<host>[^\s\[:]+) )?\[?(?P<prog>[^\s\[:\]]+(?:\([^)]*\))?)\]?(?:\[(?P<pid>\d+)\])?: ?"
    r"(?P<msg>.*)$"
)
# A tag that breaks the convention ("syslogd 1.4.1: restart."): still a syslog line.
_RFC3164_LOOSE = re.compile(
    r"^(?P<mon>[A-Z][a-z]{2}) {1,2}(?P<day>\d{1,2}) (?P<time>\d\d:\d\d:\d\d)(?:\.\d+)? "
    r"(?P<host>\S+) (?P<prog>\S+) ?(?P<msg>.*)$"
)
_RFC5424 = re.compile(
    r"^<\d{1,3}>1 (?P<ts>\S+) (?P<host>\S+) (?P<prog>\S+) (?P<pid>\S+) \S+ "
    r"(?:-|(?:\[.*?\])+) ?(?P<msg>.*)$"
)
_ISO = re.compile(
    r"^(?P<ts>\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?) "
    r"(?:(?P<host>[^\s\[:]+) )?(?P<prog>[^\s\[:]+(?:\([^)]*\))?)(?:\[(?P<pid>\d+)\])?: ?"
    r"(?P<msg>.*)$"
)


# daemontools/multilog: "@" and a TAI64N label (seconds since 1970 + 2**62, nanoseconds).
_TAI64N = re.compile(
    r"^@(?P<tai>[0-9a-f]{24}) (?P<prog>[^\s\[:]+(?:\([^)]*\))?)(?:\[(?P<pid>\d+)\])?: ?"
    r"(?P<msg>.*)$"
)


def sniff(head: bytes, name: str) -> bool:
    lines = head.decode("utf-8", "replace").splitlines()[:20]
    lines = [line for line in lines if line.strip()]
    if lines and len(head) >= 65_536:
        lines = lines[:-1] or lines  # the last line may be cut short
    formats = (_RFC3164, _RFC5424, _ISO, _TAI64N)
    matched = sum(any(f.match(x) for f in formats) for x in lines)
    return bool(lines) and matched * 2 > len(lines)


class _Clock:
    """Turns a line's time into UTC, inferring the year of RFC 3164 lines."""

    def __init__(self, source: InputFile, settings: SigninSettings, stats: InputStats) -> None:
        try:
            self.zone: tzinfo = ZoneInfo(settings.syslog.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            stats.skip("bad_timezone", detail=f"unknown time zone {settings.syslog.timezone!r}")
            self.zone = UTC
        if self.zone == ZoneInfo("UTC"):
            self.zone = UTC  # the same zone; sign-in batches take datetime.UTC as it is
        # With a configured year, it is the year of the first line, rolling forward at each New
        # Year in the file. Otherwise the file's modification time dates its end, and a month
        # later than that time's month belongs to the year before.
        self.fixed = settings.syslog.year is not None
        reference = _modified(source.name)
        self.year = settings.syslog.year or reference.year
        self.last_month = reference.month
        self.previous = 0

    def rfc3164(self, month: str, day: str, clock: str) -> datetime:
        number = _MONTHS[month]
        if self.fixed:
            if number < self.previous - 6:  # December -> January
                self.year += 1
            self.previous = number
            year = self.year
        else:
            year = self.year - 1 if number > self.last_month else self.year
        # the pattern matched HH:MM:SS
        hour, minute, second = int(clock[:2]), int(clock[3:5]), int(clock[6:8])
        return datetime(year, number, int(day), hour, minute, second, tzinfo=self.zone)

    def iso(self, text: str) -> datetime:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return moment if moment.tzinfo else moment.replace(tzinfo=self.zone)


def _modified(name: str) -> datetime:
    try:
        return datetime.fromtimestamp(os.stat(name).st_mtime)
    except (OSError, ValueError):
        return datetime.now()  # an archive member or a stream: this year


def read(
    source: InputFile, stats: InputStats, settings: SigninSettings
) -> Iterator[pa.RecordBatch]:
    clock = _Clock(source, settings, stats)
    batches = SignInBatches(source.name)
    hosts: dict[str, str] = {}  # sshd pid -> client address, for lines that omit it
    for number, line in source.text_lines():
        stats.records += 1
        if not line.strip():
            continue
        parsed = _parse_line(line, clock)
        if parsed is None:
            stats.skip("not_syslog", number, line[:80])
            continue
        moment, host, program, pid, message = parsed
        add_events(batches, stats, moment, host, program, message, number, pid, hosts)
        if batches.full():
            yield from batches.drain()
    yield from batches.drain()


def _parse_line(line: str, clock: _Clock) -> tuple[datetime, str, str, str | None, str] | None:
    try:
        if found := (_RFC3164.match(line) or _RFC3164_LOOSE.match(line)):
            moment = clock.rfc3164(found["mon"], found["day"], found["time"])
        elif found := (_RFC5424.match(line) or _ISO.match(line)):
            moment = clock.iso(found["ts"])
        elif found := _TAI64N.match(line):
            seconds = int(found["tai"][:16], 16) - 2**62
            moment = datetime.fromtimestamp(seconds + int(found["tai"][16:], 16) / 1e9, tz=UTC)
        else:
            return None
    except (KeyError, ValueError, OverflowError, OSError):
        return None
    fields = found.groupdict()
    return moment, fields.get("host") or "", fields["prog"], fields.get("pid"), fields["msg"]


def add_events(
    batches: SignInBatches,
    stats: InputStats,
    moment: datetime,
    host: str,
    program: str,
    message: str,
    record: int,
    pid: str | None = None,
    hosts: dict[str, str] | None = None,
) -> None:
    """The sign-ins one message holds; shared with the journald reader."""
    for event in parse_message(program, message, pid, hosts):
        source, kind = pick_source(event.source)
        for _ in range(event.count):
            batches.add(
                time=moment,
                account=event.account,
                outcome=event.outcome,
                failure_reason=event.reason,
                source=source,
                source_kind=kind,
                target=host,
                protocol=event.protocol,
                log_source=f"{NAME}:{program.split('(')[0].split('/')[-1]}",
                record=record,
            )
            stats.signins += 1
