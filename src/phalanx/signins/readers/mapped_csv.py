"""Any CSV or NDJSON sign-in export, read through a small column map (VPN appliances...).

The map is a TOML file named by `signins.column_map` (see docs/readers-mapped.md and the
examples in readers/maps/):

    [columns]            # which column holds what (time, account and outcome are required)
    time = "date"
    account = "user"
    source = "remote_ip"
    outcome = "action"
    reason = "reason"    # optional, as are target, client, code and asn (AS number)
    [time]
    format = "%Y-%m-%d %H:%M:%S"   # strptime; omitted: ISO 8601
    timezone = "UTC"
    [outcome]
    success = ["tunnel-up", "login"]
    failure = ["login-failed"]
    [reasons]            # value of the reason column -> bad_password, unknown_account...
    "bad password" = "bad_password"

This reader comes last: it takes any CSV or NDJSON no other reader recognised, and without a
map it says so for the file instead of guessing.
"""

from __future__ import annotations

import csv
import io
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
import pyarrow as pa

from phalanx.config.signins import SigninSettings
from phalanx.core.errors import ConfigError
from phalanx.signins.readers.base import InputFile, InputStats
from phalanx.signins.records import SignInBatches, normalise_asn, pick_source
from phalanx.signins.schema import FailureReason, Outcome

NAME = "mapped_csv"
MAPS = Path(__file__).with_name("maps")
_REQUIRED = ("time", "account", "outcome")


@dataclass(frozen=True)
class ColumnMap:
    columns: dict[str, str]
    time_format: str | None = None
    zone: tzinfo = UTC
    success: frozenset[str] = frozenset()
    failure: frozenset[str] = frozenset()
    reasons: dict[str, FailureReason] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> ColumnMap:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read the column map ({exc})") from exc
        columns = {str(k): str(v) for k, v in raw.get("columns", {}).items()}
        missing = [name for name in _REQUIRED if name not in columns]
        if missing:
            raise ConfigError(f"{path}: [columns] must name {', '.join(missing)}")
        timing, outcome = raw.get("time", {}), raw.get("outcome", {})
        try:
            zone = ZoneInfo(str(timing.get("timezone", "UTC")))
            reasons = {
                str(k).casefold(): FailureReason(v) for k, v in raw.get("reasons", {}).items()
            }
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"{path}: {exc}") from exc
        return cls(
            columns=columns,
            time_format=timing.get("format"),
            zone=zone,
            success=frozenset(str(v).casefold() for v in outcome.get("success", ())),
            failure=frozenset(str(v).casefold() for v in outcome.get("failure", ())),
            reasons=reasons,
        )


def sniff(head: bytes, name: str) -> bool:
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0]
    if first.startswith(b"{"):
        return True
    text = first.decode("utf-8", "replace")
    return text.count(",") >= 2 and all(c.isprintable() or c in "\t\r" for c in text)


def read(
    source: InputFile, stats: InputStats, settings: SigninSettings
) -> Iterator[pa.RecordBatch]:
    if settings.column_map is None:
        stats.skip(
            "no_column_map",
            detail="CSV/NDJSON with no known layout: set "
            "signins.column_map to a column map (docs/readers-mapped.md)",
        )
        return
    mapping = ColumnMap.load(settings.column_map)
    batches = SignInBatches(source.name)
    rows = _rows(source, stats)
    yield from batches.consume(rows, stats, lambda row, n: _add(batches, mapping, row, n))


def _rows(source: InputFile, stats: InputStats) -> Iterator[tuple[int, Mapping[str, Any]]]:
    if source.head(64).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        for number, line in source.text_lines():
            if not line.strip():
                continue
            try:
                row = orjson.loads(line)
            except orjson.JSONDecodeError:
                row = None
            if isinstance(row, dict):
                yield number, row
            else:
                stats.records += 1
                stats.skip("invalid_json", number)
        return
    text = io.TextIOWrapper(source.open(), encoding="utf-8-sig", errors="replace", newline="")
    try:
        yield from enumerate(csv.DictReader(text), start=2)
    except csv.Error as exc:
        stats.skip("malformed_csv", detail=str(exc))


def _add(
    batches: SignInBatches, mapping: ColumnMap, row: Mapping[str, Any], number: int
) -> str | None:
    value = {name: str(row.get(column) or "").strip() for name, column in mapping.columns.items()}
    if not value["account"]:
        return "no_account"
    try:
        moment = (
            datetime.strptime(value["time"], mapping.time_format)
            if mapping.time_format
            else datetime.fromisoformat(value["time"].replace("Z", "+00:00"))
        )
    except ValueError:
        return "bad_time"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=mapping.zone)
    result = value["outcome"].casefold()
    if result in mapping.success:
        outcome, reason = Outcome.SUCCESS, FailureReason.NONE
    elif result in mapping.failure:
        outcome = Outcome.FAILURE
        reason = mapping.reasons.get(value.get("reason", "").casefold(), FailureReason.OTHER)
    else:
        return "unknown_outcome"
    source, kind = pick_source(value.get("source") or None)
    batches.add(
        time=moment,
        account=value["account"],
        outcome=outcome,
        failure_reason=reason,
        source=source,
        source_kind=kind,
        asn=normalise_asn(value.get("asn")),
        target=value.get("target") or None,
        code=value.get("code") or value.get("reason") or None,
        protocol="vpn",
        client=value.get("client") or None,
        log_source=NAME,
        record=number,
    )
    return None
