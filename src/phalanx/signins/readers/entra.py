"""Microsoft Entra ID sign-in logs, in the shapes people export them.

- Graph API `signIns`: a JSON array, a `{"value": [...]}` page, or one signIn object a line;
- Azure Monitor diagnostic settings: `{"records": [{"time", "category", "properties": {...}}]}`
  or one record a line (category SignInLogs / NonInteractiveUserSignInLogs);
- Log Analytics `SigninLogs` / `AADNonInteractiveUserSignInLogs` query exports, JSON or CSV
  (TimeGenerated, UserPrincipalName, IPAddress, ResultType, AppDisplayName...).

The source's autonomous system comes from Graph's `autonomousSystemNumber` (an Int32, in the
beta and v1.0 signIn resource) or Log Analytics' `AutonomousSystemNumber` (a string column).

A whole-document JSON file (array or page) is parsed in one go with orjson, which holds it in
memory: fine up to a few hundred MB; larger exports should be JSON lines. Result codes map
through readers/aadsts.py.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from functools import partial
from types import GenericAlias
from typing import Any

import msgspec
import orjson
import pyarrow as pa

from phalanx.config.signins import SigninSettings
from phalanx.signins.readers.aadsts import meaning
from phalanx.signins.readers.base import InputFile, InputStats
from phalanx.signins.readers.columns import (
    NOT_DECODED,
    ORJSON_INT,
    SCALAR,
    Aspect,
    Rows,
    codes,
    constant,
    merge_by_record,
    strict_struct,
)
from phalanx.signins.readers.lines import Tally, read_chunks
from phalanx.signins.records import (
    InputCounts,
    SignInBatches,
    compact,
    normalise_account,
    normalise_asn,
    pick_source,
    plain,
)

NAME = "entra"
_OBJECTS_ON_LINES = re.compile(rb"\}[ \t\r]*\n[ \t\r\n]*\{")
_GRAPH_KEYS = (b'"userPrincipalName"', b'"createdDateTime"')
_ANALYTICS_KEYS = (b'"UserPrincipalName"', b'"ResultType"')
_CSV_COLUMNS = {"UserPrincipalName", "ResultType"}


def sniff(head: bytes, name: str) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith((b"{", b"[")):
        return all(k in head for k in _GRAPH_KEYS) or all(k in head for k in _ANALYTICS_KEYS)
    first = text.split(b"\n", 1)[0].decode("utf-8", "replace")
    columns = {c.strip().strip('"') for c in first.split(",")}
    return columns >= _CSV_COLUMNS


def read(
    source: InputFile, stats: InputStats, settings: SigninSettings
) -> Iterator[pa.RecordBatch]:
    for batch in read_compact(source, stats, settings):
        yield plain(batch)


def read_compact(
    source: InputFile, stats: InputStats, settings: SigninSettings
) -> Iterator[pa.RecordBatch]:
    """The sign-ins as compact batches: JSON lines through the fast path."""
    head = source.head(1024).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"{", b"[")) and is_json_lines(source.head()):
        with source.open() as stream:
            yield from read_chunks(stream, source.name, stats, read_chunk)
        return
    batches = SignInBatches(source.name)
    if head.startswith((b"{", b"[")):
        records = _json_records(source, stats)
    else:
        records = _csv_records(source)
    add = partial(_add, batches)
    for batch in batches.consume(records, stats, add):
        yield compact(batch)


def is_json_lines(head: bytes) -> bool:
    """Whether the file is JSON lines, as `_json_records` would find by failing to parse it whole.

    "}", a line end and "{" cannot follow each other in one JSON document: a string cannot hold
    a raw line end, and nothing but "," "]" "}" may follow a closed object. So where they do,
    the whole-document parse fails and the file is read a line at a time.
    """
    return _OBJECTS_ON_LINES.search(head) is not None


def _json_records(source: InputFile, stats: InputStats) -> Iterator[tuple[int, Any]]:
    data = source.read_bytes()
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError:
        yield from _json_lines(data, stats)
        return
    yield from enumerate(_unwrap(document), start=1)


def _unwrap(document: Any) -> Iterable[Any]:
    """The sign-ins inside a page, a diagnostic export, or a bare array or object."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        for key in ("value", "records"):
            items = document.get(key)
            if isinstance(items, list):
                return items
        return [document]
    return [document]


def _json_lines(data: bytes, stats: InputCounts, start: int = 1) -> Iterator[tuple[int, Any]]:
    for number, line in enumerate(data.splitlines(), start=start):
        if not line.strip():
            continue
        try:
            yield number, orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            stats.records += 1
            stats.skip("invalid_json", number, str(exc)[:80])


def _csv_records(source: InputFile) -> Iterator[tuple[int, Any]]:
    text = io.TextIOWrapper(source.open(), encoding="utf-8-sig", errors="replace", newline="")
    yield from enumerate(csv.DictReader(text), start=2)


def _add(batches: SignInBatches, record: Any, number: int) -> str | None:
    """Adds one sign-in; returns a skip reason when the record cannot be one."""
    if not isinstance(record, Mapping):
        return "not_an_object"
    fields = record.get("properties") if isinstance(record.get("properties"), Mapping) else record
    assert isinstance(fields, Mapping)
    account = _first(fields, "userPrincipalName", "UserPrincipalName")
    when = _first(fields, "createdDateTime", "TimeGenerated") or _first(record, "time")
    code = _code(fields)
    if not account:
        return "no_account"
    if code is None:
        return "no_result_code"
    try:
        moment = datetime.fromisoformat(str(when).replace("Z", "+00:00"))
    except ValueError:
        return "bad_time"
    outcome, reason = meaning(code)
    source, kind = pick_source(_first(fields, "ipAddress", "IPAddress"))
    batches.add(
        time=moment,
        account=account,
        outcome=outcome,
        failure_reason=reason,
        source=source,
        source_kind=kind,
        asn=_asn(fields),
        target=_first(fields, "appDisplayName", "AppDisplayName", "resourceDisplayName"),
        code=str(code),
        protocol="entra",
        client=_client(fields),
        auth_requirement=_requirement(fields),
        log_source=_log_source(record, fields),
        record=number,
    )
    return None


def _first(fields: Mapping[str, Any], *names: str) -> str | None:
    for name in names:
        value = fields.get(name)
        if isinstance(value, str | int) and str(value).strip():
            return str(value).strip()
    return None


def _asn(fields: Mapping[str, Any]) -> str | None:
    """Graph's autonomousSystemNumber, else Log Analytics' AutonomousSystemNumber."""
    return normalise_asn(fields.get("autonomousSystemNumber")) or normalise_asn(
        fields.get("AutonomousSystemNumber")
    )


def _code(fields: Mapping[str, Any]) -> int | None:
    status = fields.get("status")
    raw = status.get("errorCode") if isinstance(status, Mapping) else fields.get("ResultType")
    try:
        return int(str(raw).strip())
    except ValueError:
        return None


def _client(fields: Mapping[str, Any]) -> str | None:
    parts = [
        _first(fields, "clientAppUsed", "ClientAppUsed"),
        _first(fields, "userAgent", "UserAgent"),
    ]
    text = " / ".join(p for p in parts if p)
    return text or None


def _requirement(fields: Mapping[str, Any]) -> str | None:
    value = (_first(fields, "authenticationRequirement", "AuthenticationRequirement") or "").lower()
    if value.startswith("single"):
        return "single_factor"
    if value.startswith("multi"):
        return "multi_factor"
    return None


def _log_source(record: Mapping[str, Any], fields: Mapping[str, Any]) -> str:
    category = str(record.get("category") or record.get("Type") or fields.get("Type") or "")
    interactive = fields.get("isInteractive")
    if "NonInteractive" in category or interactive is False:
        return f"{NAME}:noninteractive"
    return f"{NAME}:interactive"


# The fast path, for JSON lines of Graph signIn objects. A line whose object holds any other
# name the record path would look at (an Azure Monitor or Log Analytics shape) goes through
# the record path, as does a row the columns cannot settle (a blank account, a time in another
# shape, a result code that is not a number): those are few, and are then read exactly as above.
_OTHER_NAMES = frozenset(
    {
        "properties",
        "UserPrincipalName",
        "TimeGenerated",
        "time",
        "ResultType",
        "IPAddress",
        "AutonomousSystemNumber",
        "AppDisplayName",
        "ClientAppUsed",
        "UserAgent",
        "AuthenticationRequirement",
        "category",
        "Type",
    }
)


def _account(upn: Any) -> tuple[str | None, str, str, bool]:
    account = _first({"userPrincipalName": upn}, "userPrincipalName")
    return (account, *normalise_account(account)) if account else (None, "", "", False)


def _source(asn: Any, ip: Any) -> tuple[str, str, str | None]:
    source, kind = pick_source(_first({"ipAddress": ip}, "ipAddress"))
    return source, kind.value if source else "", _asn({"autonomousSystemNumber": asn})


def _context(code: int, noninteractive: bool, *values: Any) -> tuple[str | None, ...]:
    """Everything but the account and the address, from the code and the few-valued fields."""
    fields = dict(zip(_CONTEXT_NAMES, values, strict=True))
    outcome, reason = meaning(code)
    return (
        outcome.value,
        reason.value,
        str(code),
        _first(fields, "appDisplayName", "AppDisplayName", "resourceDisplayName"),
        _client(fields),
        _requirement(fields),
        _log_source({}, {"isInteractive": False} if noninteractive else {}),
    )


_CONTEXT_NAMES = (
    "appDisplayName",
    "resourceDisplayName",
    "clientAppUsed",
    "userAgent",
    "authenticationRequirement",
)
_ACCOUNTS = Aspect(_account, 4)
_SOURCES = Aspect(_source, 3, typed=1)  # the AS number is an int (or a str, or None)
_CONTEXTS = Aspect(_context, 7, typed=2)  # the code is an int, "not interactive" a bool


# A Graph signIn line of only the names below (nested ones included), read or not, is decoded
# by msgspec (see columns.py); none of _OTHER_NAMES is among them.
_READ = ("userPrincipalName", "createdDateTime", "ipAddress", *_CONTEXT_NAMES)
_Status = strict_struct(
    "_Status", [("errorCode", ORJSON_INT | None)], ("failureReason", "additionalDetails")
)
_Policy = strict_struct(
    "_Policy",
    [("enforcedGrantControls", list[str] | None), ("enforcedSessionControls", list[str] | None)],
    ("id", "displayName", "result"),
)
_Device = strict_struct("_Device", [], (
    "deviceId", "displayName", "operatingSystem", "browser", "isCompliant", "isManaged",
    "trustType",
))  # fmt: skip
_Location = strict_struct("_Location", [], ("city", "state", "countryOrRegion"))
_UNREAD = (
    "id", "userDisplayName", "userId", "appId", "correlationId", "conditionalAccessStatus",
    "riskDetail", "riskLevelAggregated", "riskLevelDuringSignIn", "riskState",
    "originalRequestId", "tokenIssuerName", "tokenIssuerType", "processingTimeInMilliseconds",
    "resourceId", "resourceTenantId", "homeTenantId", "servicePrincipalId",
    "servicePrincipalName", "userType", "crossTenantAccessType", "incomingTokenType",
    "uniqueTokenIdentifier", "ipAddressFromResourceProvider",
)  # fmt: skip
_GraphLine = strict_struct(
    "_GraphLine",
    [(name, str | None) for name in _READ]
    + [
        ("autonomousSystemNumber", ORJSON_INT | str | None),
        ("isInteractive", SCALAR),
        ("status", _Status | None),
        ("deviceDetail", _Device | None),
        ("location", _Location | None),
        ("riskEventTypes", list[str] | None),
        ("riskEventTypes_v2", list[str] | None),
        ("appliedConditionalAccessPolicies", GenericAlias(list, _Policy) | None),
    ],
    _UNREAD,
)
_DECODE_GRAPH = msgspec.json.Decoder(_GraphLine).decode


def read_chunk(lines: list[bytes], start: int, origin: str, tally: Tally) -> pa.RecordBatch | None:
    """The sign-ins of JSON `lines` (the first is line number `start`), compact."""
    for aspect in (_ACCOUNTS, _SOURCES, _CONTEXTS):
        aspect.start_chunk()
    rows: list[tuple[int, Any, int, int, int]] = []
    slow: list[tuple[int, Any]] = []
    loads, decode = orjson.loads, _DECODE_GRAPH
    for number, line in enumerate(lines, start=start):
        if not line.strip():
            continue
        tally.records += 1
        try:
            graph: Any = decode(line)
        except NOT_DECODED:
            graph = None
        if graph is not None and graph.status is not None and graph.status.errorCode is not None:
            account: tuple[Any, ...] = (graph.userPrincipalName,)
            source: tuple[Any, ...] = (graph.autonomousSystemNumber, graph.ipAddress)
            # The values of _CONTEXT_NAMES, spelt out: cheaper than a map() per row.
            context: tuple[Any, ...] = (
                graph.status.errorCode, graph.isInteractive is False, graph.appDisplayName,
                graph.resourceDisplayName, graph.clientAppUsed, graph.userAgent,
                graph.authenticationRequirement,
            )  # fmt: skip
            time = graph.createdDateTime
        else:
            try:
                record = loads(line)
            except orjson.JSONDecodeError as exc:
                tally.skip("invalid_json", number, str(exc)[:80])
                continue
            if type(record) is not dict or not record.keys().isdisjoint(_OTHER_NAMES):
                slow.append((number, record))
                continue
            get = record.get
            status = get("status")
            code = status.get("errorCode") if type(status) is dict else None
            asn = get("autonomousSystemNumber")
            if type(code) is not int or (
                asn is not None and type(asn) is not int and type(asn) is not str
            ):  # 8075.0 or True would share 8075's code
                slow.append((number, record))
                continue
            account = (get("userPrincipalName"),)
            source = (asn, get("ipAddress"))
            context = (
                code, get("isInteractive") is False, get("appDisplayName"),
                get("resourceDisplayName"), get("clientAppUsed"), get("userAgent"),
                get("authenticationRequirement"),
            )  # fmt: skip
            time = get("createdDateTime")
        coded = codes(_ACCOUNTS, _SOURCES, _CONTEXTS, (account, source, context))
        if coded is None:
            slow.append((number, loads(line)))
            continue
        rows.append((number, time, *coded))
    fast, leftover = _columns(rows, origin)
    slow.extend((number, loads(lines[number - start])) for number in leftover)
    tally.signins += fast.num_rows if fast is not None else 0
    return merge_by_record([fast, _read_slowly(slow, origin, tally)])


def _columns(rows: list[tuple[Any, ...]], origin: str) -> tuple[pa.RecordBatch | None, list[int]]:
    """(the rows the columns settle, as a batch; the line numbers of the others)."""
    if not rows:
        return None, []
    got = Rows.of(rows)
    how = got.how
    ok = got.timely & (_ACCOUNTS.positions(0, got.who) >= 0)
    context = _CONTEXTS.column
    return got.settle(got.identity(_ACCOUNTS, _SOURCES) | {
        "outcome": context(0, how), "failure_reason": context(1, how), "code": context(2, how),
        "target": context(3, how), "client": context(4, how),
        "auth_requirement": context(5, how), "log_source": context(6, how),
        "protocol": constant("entra", len(rows)), "origin": constant(origin, len(rows)),
    }, ok)  # fmt: skip


def _read_slowly(
    records: list[tuple[int, Any]], origin: str, tally: Tally
) -> pa.RecordBatch | None:
    """The record path, for the lines the fast path left."""
    batches = SignInBatches(origin, batch_rows=max(len(records), 1))
    for number, record in sorted(records, key=lambda item: item[0]):
        outcome = _add(batches, record, number)
        if outcome is None:
            tally.signins += 1
        elif outcome:
            tally.skip(outcome, number)
    batch = batches.flush()
    return compact(batch) if batch is not None else None
