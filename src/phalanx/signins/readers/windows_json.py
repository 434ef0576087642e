"""Windows events as JSON lines: the OTRF "Mordor" datasets, Winlogbeat and evtx_dump output.

Three layouts carry the same event, and all three are read:
- flat, as OTRF ships its datasets (NXLog/Logstash): "EventID", "Hostname", "@timestamp" and the
  event data fields ("TargetUserName", "IpAddress"...) side by side at the top level;
- Winlogbeat: {"winlog": {"event_id", "computer_name", "event_data": {...}}, "@timestamp"}
  (Winlogbeat 6 put "event_id", "computer_name" and "event_data" at the top level);
- evtx_dump -o jsonl: {"Event": {"System": {...}, "EventData": {...}}}.
Every line is a record; only logon events become sign-ins (see windows_events).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import msgspec
import orjson
import pyarrow as pa

from phalanx.config.signins import SigninSettings
from phalanx.signins.readers import windows_events as events
from phalanx.signins.readers.base import InputFile, InputStats
from phalanx.signins.readers.columns import (
    NOT_DECODED,
    ORJSON_INT,
    Aspect,
    Rows,
    codes,
    constant,
    merge_by_record,
    strict_struct,
)
from phalanx.signins.readers.lines import Tally, read_chunks
from phalanx.signins.records import (
    EARLIEST_VALID,
    InputCounts,
    SignInBatches,
    compact,
    normalise_account,
    plain,
)
from phalanx.signins.schema import FailureReason, SourceKind

NAME = "windows_json"
# Keys only a Windows event has beside its ID, in the three layouts: not Entra, Okta or CEF.
_WINDOWS_KEYS = frozenset(
    {
        "Channel",
        "Computer",
        "Hostname",
        "ProviderGuid",
        "SourceName",
        "computer_name",
        "winlog",
        "Event",
    }
)
# The first line did not fit in the sniffed head: judge by its start.
_STARTS_LIKE_EVENT = re.compile(rb'^\{.*"(?:EventID|event_id|winlog|Event)"\s*:', re.DOTALL)


class _Event(NamedTuple):
    """What a line says, in whichever layout it came: values still unchecked."""

    event_id: object
    fields: object
    time: object
    computer: object


def sniff(head: bytes, name: str) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    first, newline, _ = text.partition(b"\n")
    if not first.startswith(b"{"):
        return False
    if not newline:  # the head ends inside the first line
        return _STARTS_LIKE_EVENT.match(first) is not None
    try:
        line = orjson.loads(first)
    except orjson.JSONDecodeError:
        return False
    return isinstance(line, dict) and _is_windows_event(line)


def _is_windows_event(line: dict[str, Any]) -> bool:
    event = _event(line)
    return events.event_id_of(event.event_id) is not None and not _WINDOWS_KEYS.isdisjoint(line)


def read(
    source: InputFile, stats: InputStats, settings: SigninSettings
) -> Iterator[pa.RecordBatch]:
    for batch in read_compact(source, stats, settings):
        yield plain(batch)


def read_compact(
    source: InputFile, stats: InputStats, settings: SigninSettings
) -> Iterator[pa.RecordBatch]:
    """The sign-ins as compact batches, a chunk of lines at a time through the fast path."""
    with source.open() as stream:
        yield from read_chunks(stream, source.name, stats, read_chunk)


def _read_line(line: str, number: int, batches: SignInBatches, stats: InputCounts) -> None:
    """The record path: one line of the file, as text (undecodable bytes become U+FFFD)."""
    if number == 1:
        line = line.removeprefix("\ufeff")  # the byte-order mark Windows tools write
    if not line.strip():
        return
    stats.records += 1
    _add_line(line, number, batches, stats)


def _add_line(line: str, number: int, batches: SignInBatches, stats: InputCounts) -> None:
    try:
        parsed = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        stats.skip("invalid_json", number, str(exc)[:200])
        return
    if not isinstance(parsed, dict):
        stats.skip("not_an_object", number, type(parsed).__name__)
        return
    event = _event(parsed)
    event_id = events.event_id_of(event.event_id)
    if event_id is None:
        stats.skip("no_event_id", number)
        return
    if event_id not in events.LOGON_EVENT_IDS:
        return
    if not isinstance(event.fields, Mapping):
        stats.skip("malformed_event", number, f"event {event_id}: no event data")
        return
    time = events.parse_time(event.time)
    if time is None:
        stats.skip("no_time", number, f"event {event_id}")
        return
    events.add_signin(
        batches,
        reader=NAME,
        event_id=event_id,
        fields=event.fields,
        time=time,
        computer=event.computer if isinstance(event.computer, str) else "",
        record=number,
    )
    stats.signins += 1


def _event(line: dict[str, Any]) -> _Event:
    evtx_event = line.get("Event")
    if isinstance(evtx_event, dict) and isinstance(evtx_event.get("System"), dict):
        return _evtx_dump_event(evtx_event)
    winlog = line.get("winlog")
    if isinstance(winlog, dict):
        return _winlogbeat_event(line, winlog)
    return _flat_event(line)


def _evtx_dump_event(event: dict[str, Any]) -> _Event:
    system = event["System"]
    event_id = system.get("EventID")
    if isinstance(event_id, dict):  # {"#attributes": {"Qualifiers": 0}, "#text": 4625}
        event_id = event_id.get("#text")
    return _Event(
        event_id, event.get("EventData"), system.get("TimeCreated"), system.get("Computer")
    )


def _winlogbeat_event(line: dict[str, Any], winlog: dict[str, Any]) -> _Event:
    event_id = winlog.get("event_id")
    if event_id is None:
        event = line.get("event")
        event_id = event.get("code") if isinstance(event, dict) else None
    return _Event(
        event_id, winlog.get("event_data", {}), line.get("@timestamp"), winlog.get("computer_name")
    )


def _flat_event(line: dict[str, Any]) -> _Event:
    event_id = line.get("EventID", line.get("event_id"))
    fields = line.get("event_data", line)  # Winlogbeat 6 nests the data, OTRF does not
    # OTRF's "TimeCreated" is UTC; its "EventTime" is the collector's local time, never used.
    time = line.get("TimeCreated") or line.get("@timestamp")
    computer = line.get("Computer") or line.get("Hostname") or line.get("computer_name")
    return _Event(event_id, fields, time, computer)


# The fast path, for the flat layout (OTRF, NXLog) with a numeric EventID. Lines of the other
# layouts, and rows the columns cannot settle (a time in another shape or before 1980, a field
# that is not a string), go through the record path above. Each distinct combination of event
# data values goes once through windows_events.describe(), the record path's own mapping: the
# account from its two fields, the source from the address fields, the rest from the codes.
_ACCOUNT_FIELDS = ("TargetUserName", "TargetDomainName")
_SOURCE_FIELDS = ("IpAddress", "WorkstationName", "ProcessName", "Workstation", "TargetDomainName")
_RESULT_FIELDS = ("LogonType", "Status", "SubStatus", "TargetServerName", "SubjectUserName")
_RESULT_KEYS = ("outcome", "failure_reason", "code", "protocol", "target", "client", "log_source")
_EARLIEST_MICROS = int(EARLIEST_VALID.timestamp()) * 1_000_000


def _describe(
    event_id: int, computer: str, names: tuple[str, ...], values: tuple[Any, ...]
) -> dict[str, Any]:
    return events.describe(event_id, dict(zip(names, values, strict=True)), computer)


def _account(without_domain: bool, *values: str | None) -> tuple[str, str, str, bool]:
    """By the account's shape, not the event: one entry per person, not one per event type."""
    event_id = events.NTLM_VALIDATION if without_domain else events.FAILED_LOGON
    account = _describe(event_id, "", _ACCOUNT_FIELDS, values)["account"]
    return (account, *normalise_account(account))


def _source(event_id: int, computer: str, *values: str | None) -> tuple[str, str]:
    signin = _describe(event_id, computer, _SOURCE_FIELDS, values)
    source = signin.get("source", "")
    return source, signin.get("source_kind", SourceKind.UNKNOWN).value if source else ""


def _result(event_id: int, computer: str, *values: str | None) -> tuple[Any, ...]:
    signin = _describe(event_id, computer, _RESULT_FIELDS, values)
    return (
        signin["outcome"].value,
        signin.get("failure_reason", FailureReason.NONE).value,
        *(signin.get(key) for key in _RESULT_KEYS[2:-1]),
        f"{NAME}:{event_id}",
    )


# The event ID is checked to be an int (a bool for accounts), the computer made a str.
_ACCOUNTS = Aspect(_account, 4, typed=1)
_SOURCES = Aspect(_source, 2, typed=2)
_RESULTS = Aspect(_result, len(_RESULT_KEYS), typed=2)

# A flat line of only the names below, read or not, is decoded by msgspec (see columns.py).
_READ = ("EventID", "Computer", "Hostname", "computer_name", "TimeCreated", "@timestamp",
         *_ACCOUNT_FIELDS, *_SOURCE_FIELDS, *_RESULT_FIELDS)  # fmt: skip
_UNREAD = (
    # the header OTRF, NXLog and the simulator write
    "EventRecordID", "SourceName", "ProviderGuid", "Level", "Channel", "Keywords", "Task",
    "Opcode", "OpcodeValue", "Version", "Category", "EventType", "Severity", "SeverityValue",
    "RecordNumber", "ThreadID", "ExecutionProcessID", "EventTime", "EventReceivedTime",
    "SourceModuleName", "SourceModuleType", "Message", "host", "port", "@version",
    # the event data of the logon events (4624, 4625, 4648, 4768, 4769, 4771, 4776)
    "SubjectUserSid", "SubjectDomainName", "SubjectLogonId", "TargetUserSid", "TargetLogonId",
    "LogonProcessName", "AuthenticationPackageName", "LmPackageName", "KeyLength", "ProcessId",
    "IpPort", "ImpersonationLevel", "FailureReason", "PackageName", "ServiceName", "ServiceSid",
    "TicketOptions", "TicketEncryptionType", "PreAuthType", "CertIssuerName",
    "CertSerialNumber", "CertThumbprint", "TransmittedServices", "LogonGuid", "TargetLogonGuid",
    "TargetInfo", "RestrictedAdminMode", "VirtualAccount", "ElevatedToken",
    "TargetLinkedLogonId", "TargetOutboundUserName", "TargetOutboundDomainName",
)  # fmt: skip
_FlatLine = strict_struct(
    "_FlatLine", [(name, str | None) for name in _READ] + [("EventID", ORJSON_INT | None)], _UNREAD
)
_DECODE_FLAT = msgspec.json.Decoder(_FlatLine).decode


def read_chunk(lines: list[bytes], start: int, origin: str, tally: Tally) -> pa.RecordBatch | None:
    """The sign-ins of JSON `lines` (the first is line number `start`), compact."""
    for aspect in (_ACCOUNTS, _SOURCES, _RESULTS):
        aspect.start_chunk()
    logons, no_domain = events.LOGON_EVENT_IDS, events.ACCOUNT_WITHOUT_DOMAIN
    rows: list[tuple[int, Any, int, int, int]] = []
    slow = SignInBatches(origin, batch_rows=len(lines) + 1)
    loads, decode = orjson.loads, _DECODE_FLAT
    for number, line in enumerate(lines, start=start):
        if not line.strip():
            continue
        try:
            flat: Any = decode(line)
        except NOT_DECODED:
            flat = None
        if flat is not None and flat.EventID is not None:
            event_id = flat.EventID
            tally.records += 1
            if event_id not in logons:
                continue
            computer = flat.Computer or flat.Hostname or flat.computer_name or ""
            # The names of _ACCOUNT_FIELDS, _SOURCE_FIELDS and _RESULT_FIELDS, spelt out: a
            # call to map() per row costs more than the lookups.
            domain = flat.TargetDomainName
            account: tuple[Any, ...] = (event_id in no_domain, flat.TargetUserName, domain)
            source: tuple[Any, ...] = (
                event_id, computer, flat.IpAddress, flat.WorkstationName, flat.ProcessName,
                flat.Workstation, domain,
            )  # fmt: skip
            result: tuple[Any, ...] = (
                event_id, computer, flat.LogonType, flat.Status, flat.SubStatus,
                flat.TargetServerName, flat.SubjectUserName,
            )  # fmt: skip
            time = flat.TimeCreated or flat.at_timestamp
        else:
            try:
                event = loads(line)
            except orjson.JSONDecodeError:  # the record path says why (or reads it decoded)
                _read_line(line.decode("utf-8", "replace"), number, slow, tally)
                continue
            if (  # one of the other layouts (evtx_dump, Winlogbeat), or no object at all
                type(event) is not dict
                or "Event" in event
                or "winlog" in event
                or "event_data" in event
            ):
                _read_line(line.decode(), number, slow, tally)
                continue
            get = event.get
            event_id = get("EventID")
            if type(event_id) is not int:
                _read_line(line.decode(), number, slow, tally)
                continue
            tally.records += 1
            if event_id not in logons:
                continue
            computer = get("Computer") or get("Hostname") or get("computer_name")
            computer = computer if type(computer) is str else ""
            domain = get("TargetDomainName")
            account = (event_id in no_domain, get("TargetUserName"), domain)
            source = (
                event_id, computer, get("IpAddress"), get("WorkstationName"),
                get("ProcessName"), get("Workstation"), domain,
            )  # fmt: skip
            result = (
                event_id, computer, get("LogonType"), get("Status"), get("SubStatus"),
                get("TargetServerName"), get("SubjectUserName"),
            )  # fmt: skip
            time = get("TimeCreated") or get("@timestamp")
        coded = codes(_ACCOUNTS, _SOURCES, _RESULTS, (account, source, result))
        if coded is None:
            _add_line(line.decode(), number, slow, tally)
            continue
        rows.append((number, time, *coded))
    fast, leftover = _columns(rows, origin)
    for number in leftover:
        _add_line(lines[number - start].decode(), number, slow, tally)
    tally.signins += fast.num_rows if fast is not None else 0
    pending = slow.flush()
    return merge_by_record([fast, compact(pending) if pending is not None else None])


def _columns(rows: list[tuple[Any, ...]], origin: str) -> tuple[pa.RecordBatch | None, list[int]]:
    """(the rows the columns settle, as a batch; the line numbers of the others)."""
    if not rows:
        return None, []
    got = Rows.of(rows)
    how = got.how
    ok = got.timely & (got.micros >= _EARLIEST_MICROS)
    result = _RESULTS.column
    return got.settle(got.identity(_ACCOUNTS, _SOURCES) | {
        "outcome": result(0, how), "failure_reason": result(1, how), "code": result(2, how),
        "protocol": result(3, how), "target": result(4, how), "client": result(5, how),
        "log_source": result(6, how), "auth_requirement": constant(None, len(rows)),
        "origin": constant(origin, len(rows)),
    }, ok)  # fmt: skip
