"""Turning one reader's parsed events into sign-in batches of the one schema.

Readers call `SignInBatches.add(...)` once per sign-in; the builder keeps plain column lists and
hands out Arrow batches, so the detectors never see one Python object per event.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Protocol, TypeVar

import pyarrow as pa

from phalanx.signins.schema import SIGNIN_SCHEMA, FailureReason, Outcome, SourceKind

BATCH_ROWS = 65_536
_DICTIONARY = pa.dictionary(pa.int32(), pa.string())
# The same columns with every string dictionary-encoded: what a scan keeps in memory. Ten million
# sign-ins repeat a few thousand accounts, addresses and user agents: as plain strings they take
# gigabytes, as indices a few hundred megabytes.
COMPACT_SCHEMA = pa.schema(
    [
        field.with_type(_DICTIONARY) if pa.types.is_string(field.type) else field
        for field in SIGNIN_SCHEMA
    ]
)


def compact(batch: pa.RecordBatch) -> pa.RecordBatch:
    """`batch` in COMPACT_SCHEMA (plain string columns dictionary-encoded)."""
    if batch.schema.equals(COMPACT_SCHEMA):
        return batch
    columns = [
        column.dictionary_encode() if pa.types.is_string(column.type) else column
        for column in batch.columns
    ]
    return pa.RecordBatch.from_arrays(columns, schema=COMPACT_SCHEMA)


def plain(batch: pa.RecordBatch) -> pa.RecordBatch:
    """`batch` in SIGNIN_SCHEMA (dictionary columns decoded to plain strings)."""
    return batch.cast(SIGNIN_SCHEMA) if not batch.schema.equals(SIGNIN_SCHEMA) else batch


def conform(table: pa.Table) -> pa.Table:
    """`table` in SIGNIN_SCHEMA, a nullable column it lacks added as nulls: a table kept by an
    earlier version (a watch state written before the `asn` column) still reads."""
    for field in SIGNIN_SCHEMA:
        if field.name not in table.column_names and field.nullable:
            table = table.append_column(field.name, pa.nulls(table.num_rows, field.type))
    return table.select(SIGNIN_SCHEMA.names).cast(SIGNIN_SCHEMA)


T = TypeVar("T")


class InputCounts(Protocol):
    """What `consume` counts into (readers.base.InputStats)."""

    records: int
    signins: int

    def skip(self, reason: str, record: int | None = None, detail: str = "") -> None: ...


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_EMPTY_VALUES = frozenset({"", "-", "::1", "127.0.0.1", "null", "none", "n/a", "unknown"})
# Windows leaves a field "-" when it has nothing; 1601-01-01 is FILETIME 0 (a record with no time).
EARLIEST_VALID = datetime(1980, 1, 1, tzinfo=UTC)


@lru_cache(maxsize=65_536)
def normalise_account(raw: str) -> tuple[str, str, bool]:
    """(account, domain, is_machine) from DOMAIN\\user, user@upn or user, case-folded.

    "CONTOSO\\JSmith", "jsmith@contoso.org" and "jsmith" all become account "jsmith", so one
    person's attempts count together across Windows, Entra ID and sshd.
    """
    text = raw.strip().strip('"').casefold()
    domain = ""
    if "\\" in text:
        domain, _, text = text.rpartition("\\")
    elif "@" in text:
        text, _, domain = text.partition("@")
    is_machine = text.endswith("$")
    return text, domain, is_machine


@lru_cache(maxsize=65_536)
def normalise_ip(raw: str | None) -> str:
    """A canonical IP string, or "" when the log has none ("-", empty, loopback).

    IPv4-mapped IPv6 (::ffff:10.0.0.1, as domain controllers write it) becomes plain IPv4.
    """
    if raw is None:
        return ""
    text = raw.strip()
    if text.startswith("["):  # "[2001:db8::5]:5555", as M365 writes IPv6 with a port
        text = text[1:].partition("]")[0]
    if text.casefold() in _EMPTY_VALUES:
        return ""
    if text.count(":") == 1 and "." in text:  # "10.0.0.1:5555"
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text.split("%")[0])
    except ValueError:
        return text  # a host name where an address was expected: keep it, it still identifies
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return "" if address.is_loopback or address.is_unspecified else str(address)


_ASN = re.compile(r"(?:as)?\s*0*([0-9]{1,10})", re.ASCII | re.IGNORECASE)
_LAST_ASN = 2**32 - 1


def normalise_asn(value: object) -> str | None:
    """An autonomous system number as digits ("8075"), from 8075, "8075" or "AS8075"; None
    when the log has none: missing, empty, 0 (no AS, RFC 7607), or not a number at all."""
    if type(value) is int:
        number = value
    elif type(value) is str:
        found = _ASN.fullmatch(value.strip())
        if found is None:
            return None
        number = int(found.group(1))
    else:  # None, or a bool, float, list or object where a number should be
        return None
    return str(number) if 0 < number <= _LAST_ASN else None


def pick_source(
    ip: str | None, host: str | None = None, process: str | None = None
) -> tuple[str, SourceKind]:
    """Who made the attempt: the IP when logged, else the client's host name, else the process."""
    address = normalise_ip(ip)
    if address:
        return address, SourceKind.IP
    if host and host.strip().casefold() not in _EMPTY_VALUES:
        return host.strip().casefold(), SourceKind.HOST
    if process and process.strip().casefold() not in _EMPTY_VALUES:
        return process.strip().rsplit("\\", 1)[-1].casefold(), SourceKind.PROCESS
    return "", SourceKind.UNKNOWN


def to_utc(moment: datetime) -> datetime:
    """Aware UTC; a naive time is taken to be UTC already (readers convert local times first)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


NOT_A_SIGNIN = ""  # what a record adder returns for a record that is fine but no sign-in


class SignInBatches:
    """Accumulates sign-ins of one input and emits Arrow record batches.

    Each sign-in is kept as one tuple in the schema's column order and the rows are transposed
    only at flush: one append per sign-in instead of seventeen is what a reader's hot loop pays.
    """

    def __init__(self, origin: str, batch_rows: int = BATCH_ROWS) -> None:
        self.origin = origin
        self.batch_rows = batch_rows
        self.rows = 0
        self._pending: list[tuple[object, ...]] = []

    def add(
        self,
        *,
        time: datetime,
        account: str,
        outcome: Outcome,
        log_source: str,
        record: int,
        failure_reason: FailureReason = FailureReason.NONE,
        source: str = "",
        source_kind: SourceKind = SourceKind.UNKNOWN,
        asn: str | None = None,
        target: str | None = None,
        code: str | None = None,
        protocol: str | None = None,
        client: str | None = None,
        auth_requirement: str | None = None,
    ) -> None:
        name, domain, is_machine = normalise_account(account)
        if time.tzinfo is not UTC:
            time = to_utc(time)
        self._pending.append((
            (time - _EPOCH) // _MICROSECOND, name, account, domain, is_machine, source,
            source_kind.value if source else "", asn, target, outcome.value, failure_reason.value,
            code, protocol, client, auth_requirement, log_source, self.origin, record,
        ))  # fmt: skip
        self.rows += 1

    @property
    def pending(self) -> int:
        return len(self._pending)

    def full(self) -> bool:
        return self.pending >= self.batch_rows

    def consume(
        self,
        records: Iterable[tuple[int, T]],
        stats: InputCounts,
        add: Callable[[T, int], str | None],
    ) -> Iterator[pa.RecordBatch]:
        """Counts each (number, record), lets `add` turn it into a sign-in, yields full batches.

        `add` returns None when it added a sign-in, NOT_A_SIGNIN for a record that is no
        sign-in (another event type), or the reason the record had to be skipped.
        """
        for number, record in records:
            stats.records += 1
            outcome = add(record, number)
            if outcome is None:
                stats.signins += 1
            elif outcome:
                stats.skip(outcome, number)
            if self.full():
                yield from self.drain()
        yield from self.drain()

    def drain(self) -> Iterator[pa.RecordBatch]:
        """The pending sign-ins as a batch, if there are any: readers `yield from` this."""
        batch = self.flush()
        if batch is not None:
            yield batch

    def flush(self) -> pa.RecordBatch | None:
        """The sign-ins added since the last flush as one batch, or None when there are none."""
        if not self.pending:
            return None
        columns = zip(*self._pending, strict=True)
        arrays = [
            pa.array(values, type=field.type)
            for values, field in zip(columns, SIGNIN_SCHEMA, strict=True)
        ]
        self._pending = []
        return pa.RecordBatch.from_arrays(arrays, schema=SIGNIN_SCHEMA)
