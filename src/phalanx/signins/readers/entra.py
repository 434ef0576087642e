"""Microsoft Entra ID sign-in logs, in the shapes people export them.

- Graph API `signIns`: a JSON array, a `{"value": [...]}` page, or one signIn object a line;
- Azure Monitor diagnostic settings: `{"records": [{"time", "category", "properties": {...}}]}`
  or one record a line (category SignInLogs / NonInteractiveUserSignInLogs);
- Log Analytics `SigninLogs` / `AADNonInteractiveUserSignInLogs` query exports, JSON or CSV
  (TimeGenerated, UserPrincipalName, IPAddress, ResultType, AppDisplayName...).

A whole-document JSON file (array or page) is parsed in one go with orjson, which holds it in
memory: fine up to a few hundred MB; larger exports should be JSON lines. Result codes map
through readers/aadsts.py.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

import orjson
import pyarrow as pa

from phalanx.config.signins import SigninSettings
from phalanx.signins.readers.aadsts import meaning
from phalanx.signins.readers.base import InputFile, InputStats
from phalanx.signins.records import SignInBatches, pick_source

NAME = "entra"
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
    batches = SignInBatches(source.name)
    head = source.head(1024).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"{", b"[")):
        records = _json_records(source, stats)
    else:
        records = _csv_records(source)
    yield from batches.consume(records, stats, lambda record, n: _add(batches, record, n))


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


def _json_lines(data: bytes, stats: InputStats) -> Iterator[tuple[int, Any]]:
    for number, line in enumerate(data.splitlines(), start=1):
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
