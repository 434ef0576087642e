"""Column helpers for the readers' fast paths: distinct values, strict ISO times, compact batches.

A sign-in log repeats the same few thousand accounts, addresses and result codes millions of
times. A fast path hands each distinct value (or combination of values) once to the very
function the record path calls for every record, and spreads the answer back over the rows by
index, so both paths agree by construction. Times in the one strict ISO 8601 shape that exports
write are read with NumPy; a row in any other shape is left to the record path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from phalanx.signins.records import COMPACT_SCHEMA

_DIGITS = np.array([0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18])
_PUNCTUATION = {4: ord("-"), 7: ord("-"), 10: ord("T"), 13: ord(":"), 16: ord(":")}
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
_MAX_FRACTION = 9  # digits after the seconds a fast row may have; fromisoformat keeps six
_SHORTEST = 20  # 2026-03-02T08:01:02Z
_LONGEST = _SHORTEST + 1 + _MAX_FRACTION


# Lines of the usual shape are decoded by msgspec straight into a struct of the names a fast
# path knows, without a dict. Every name is declared and every value decoded and checked:
# unknown names are refused, not skipped, for msgspec skips a value without checking its UTF-8
# or whether a number overflows a float, which orjson refuses. So a line msgspec takes, orjson
# takes alike, with the same values (a repeated name keeps its last value in both); any other
# line (another name, a float, a nested value not declared, an int orjson would not give as an
# int) raises one of NOT_DECODED and is read with orjson as before.
ORJSON_INT = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
SCALAR = str | ORJSON_INT | bool | None  # a value no fast path reads
NOT_DECODED = (msgspec.DecodeError, msgspec.ValidationError)


def strict_struct(name: str, read: Iterable[tuple[str, Any]], unread: Iterable[str]) -> Any:
    """A struct of the `read` (name, type) and the `unread` names (any SCALAR), all None when
    absent, refusing any other name. "@name" is the attribute "at_name"."""
    fields = [*read, *((field, SCALAR) for field in unread)]
    return msgspec.defstruct(
        name,
        [
            (field.replace("@", "at_"), kind, msgspec.field(name=field, default=None))
            for field, kind in dict(fields).items()
        ],
        forbid_unknown_fields=True,
        gc=False,
    )


MAX_DISTINCT = 250_000  # cached combinations per aspect before the cache starts afresh


class Aspect:
    """What one record-path function makes of a few fields, worked out once per distinct values.

    A fast path looks each row's values (a tuple) up in `codes`; a new combination goes to
    `add`, which calls the function and files its outputs under a new code. Only strings and
    None are cached beyond the first `typed` values (whose exact type the caller has checked):
    1, 1.0 and True are equal keys in Python but not the same field to the record path, so a
    row holding a number, a list or an object is left to the record path.

    Each output keeps its distinct values once, and a code's position among them, so a chunk's
    column is one NumPy take however many combinations have been seen.
    """

    def __init__(self, function: Callable[..., tuple[Any, ...]], width: int, typed: int = 0):
        self.function = function
        self.typed = typed
        self.width = width
        self.codes: dict[tuple[Any, ...], int] = {}
        self._start()

    def _start(self) -> None:
        self.codes.clear()
        self._values: list[list[Any]] = [[] for _ in range(self.width)]
        self._positions: list[dict[Any, int]] = [{} for _ in range(self.width)]
        self._of_code = np.full((self.width, 1024), -1, dtype=np.int32)
        self._arrays: dict[int, tuple[int, pa.Array]] = {}

    def add(self, key: tuple[Any, ...]) -> int | None:
        """The code of a combination not seen yet; None when the record path must read the row."""
        for value in key[self.typed :]:
            if value is not None and type(value) is not str:
                return None
        code = self.codes[key] = len(self.codes)
        if code >= self._of_code.shape[1]:
            grown = np.full((self.width, 2 * code), -1, dtype=np.int32)
            grown[:, :code] = self._of_code
            self._of_code = grown
        for output, value in enumerate(self.function(*key)):
            if value is None:
                continue  # stays -1: a null
            positions = self._positions[output]
            position = positions.get(value)
            if position is None:
                position = positions[value] = len(positions)
                self._values[output].append(value)
            self._of_code[output, code] = position
        return code

    def start_chunk(self) -> None:
        """Between chunks: forget everything once the cache has grown too large."""
        if len(self.codes) > MAX_DISTINCT:
            self._start()

    def positions(self, output: int, rows: np.ndarray) -> np.ndarray:
        """Each row's position among the output's distinct values (-1 where it is None)."""
        return np.asarray(self._of_code[output][rows])

    def values(self, output: int) -> list[Any]:
        return self._values[output]

    def column(self, output: int, rows: np.ndarray) -> pa.DictionaryArray:
        """Output `output` of each row's combination, dictionary-encoded."""
        values = self._values[output]
        size, dictionary = self._arrays.get(output, (-1, None))
        if size != len(values) or dictionary is None:  # new values since last time
            dictionary = pa.array(values, pa.string())
            self._arrays[output] = (len(values), dictionary)
        positions = self.positions(output, rows)
        indices = pa.array(positions, pa.int32(), mask=positions < 0)
        return pa.DictionaryArray.from_arrays(indices, dictionary)


def codes(
    who: Aspect,
    where: Aspect,
    how: Aspect,
    keys: tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...]],
) -> tuple[int, int, int] | None:
    """A row's account, source and result codes, a new combination worked out now; None when
    the record path must read the row (a value of another type, a list or an object)."""
    account, source, result = keys
    try:
        a = who.codes.get(account)
        a = who.add(account) if a is None else a
        b = where.codes.get(source)
        b = where.add(source) if b is None else b
        c = how.codes.get(result)
        c = how.add(result) if c is None else c
    except TypeError:  # unhashable: a list or an object where a name or an address should be
        return None
    return None if a is None or b is None or c is None else (a, b, c)


def machines(accounts: Aspect, rows: np.ndarray) -> pa.Array:
    """The is_machine column from an account aspect whose fourth output is that flag."""
    flags = np.array(accounts.values(3) or [False], dtype=bool)
    return pa.array(flags[accounts.positions(3, rows)])


@dataclass(frozen=True)
class Rows:
    """A fast path's settled lines, transposed: (line, time text, who, where, how) per line,
    where who/where/how are positions in the reader's Aspects."""

    numbers: list[int]
    micros: np.ndarray  # the time, in microseconds since 1970
    timely: np.ndarray  # which rows hold a time of the accepted shape
    who: np.ndarray
    where: np.ndarray
    how: np.ndarray

    @classmethod
    def of(cls, rows: list[tuple[Any, ...]]) -> Rows:
        numbers, when, *codes = (list(column) for column in zip(*rows, strict=True))
        who, where, how = (np.array(c, dtype=np.int64) for c in codes)
        times, usable = strings(when)
        micros, parsed = iso_micros(times)
        return cls(numbers, micros, usable & parsed, who, where, how)

    def identity(self, accounts: Aspect, sources: Aspect) -> dict[str, pa.Array]:
        """time, account, account_raw, domain, is_machine, source, source_kind and asn: the
        columns every reader's accounts (canonical, raw, domain, machine) and sources (address,
        kind and, where the log gives one, the autonomous system) give alike."""
        asn = sources.column(2, self.where) if sources.width > 2 else constant(None, len(self))
        return {
            "time": pa.array(self.micros, pa.timestamp("us", tz="UTC")),
            "account": accounts.column(1, self.who),
            "account_raw": accounts.column(0, self.who),
            "domain": accounts.column(2, self.who),
            "is_machine": machines(accounts, self.who),
            "source": sources.column(0, self.where),
            "source_kind": sources.column(1, self.where),
            "asn": asn,
            "record": pa.array(self.numbers, pa.int64()),
        }

    def __len__(self) -> int:
        return len(self.numbers)

    def settle(
        self, columns: dict[str, pa.Array], ok: np.ndarray
    ) -> tuple[pa.RecordBatch, list[int]]:
        """(the batch of the rows that are ok; the line numbers of the others)."""
        batch = compact_batch(columns)
        leftover = np.array(self.numbers, dtype=np.int64)[~ok].tolist()
        return (batch if ok.all() else batch.filter(pa.array(ok))), leftover


def strings(values: list[Any]) -> tuple[pa.Array, np.ndarray]:
    """(string column, which rows hold a str or None); other values become null, rows False."""
    try:
        return pa.array(values, pa.string()), np.ones(len(values), dtype=bool)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        usable = np.fromiter((v is None or type(v) is str for v in values), bool, len(values))
        kept = [v if type(v) is str else None for v in values]
        return pa.array(kept, pa.string()), usable


def dictionary(values: list[str | None], rows: np.ndarray) -> pa.DictionaryArray:
    """A dictionary-encoded string column: `values[rows[i]]` for every row i."""
    encoded = pa.array(values, pa.string()).dictionary_encode()
    indices = encoded.indices.take(pa.array(rows, pa.int64()))
    return pa.DictionaryArray.from_arrays(indices.cast(pa.int32()), encoded.dictionary)


def constant(value: str | None, rows: int) -> pa.DictionaryArray:
    if value is None:
        return pa.DictionaryArray.from_arrays(pa.nulls(rows, pa.int32()), pa.array([], pa.string()))
    return pa.DictionaryArray.from_arrays(
        pa.array(np.zeros(rows, dtype=np.int32)), pa.array([value], pa.string())
    )


def iso_micros(column: pa.StringArray) -> tuple[np.ndarray, np.ndarray]:
    """(microseconds since 1970, which rows qualified) for YYYY-MM-DDTHH:MM:SS[.f]Z strings.

    Exactly what datetime.fromisoformat gives for that shape (1 to 9 fraction digits, cut to
    six), checked field by field: a row in any other shape, or an impossible date, is left out.
    """
    rows = len(column)
    if rows == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    column = column if column.offset == 0 else pa.concat_arrays([column])
    offsets = np.frombuffer(column.buffers()[1], dtype=np.int32)[: rows + 1].astype(np.int64)
    data = np.frombuffer(column.buffers()[2] or b"\0", dtype=np.uint8)
    starts, lengths = offsets[:-1], np.diff(offsets)
    ok = (lengths >= _SHORTEST) & (lengths <= _LONGEST) & (lengths != _SHORTEST + 1)
    ok &= column.is_valid().to_numpy(zero_copy_only=False)
    if (lengths == lengths[0]).all() and len(data) >= rows * lengths[0] and starts[0] == 0:
        # One shape for every row (the usual case): the text is a matrix already.
        width = int(lengths[0])
        chars = np.zeros((rows, _LONGEST), dtype=np.int64)
        chars[:, : min(width, _LONGEST)] = data[: rows * width].reshape(rows, width)[:, :_LONGEST]
    else:
        last = max(len(data) - 1, 0)
        chars = data[np.minimum(starts[:, None] + np.arange(_LONGEST), last)].astype(np.int64)
    ok &= chars[np.arange(rows), np.minimum(lengths - 1, _LONGEST - 1)] == ord("Z")
    for position, char in _PUNCTUATION.items():
        ok &= chars[:, position] == char
    digits = chars - ord("0")
    ok &= ((digits[:, _DIGITS] >= 0) & (digits[:, _DIGITS] <= 9)).all(axis=1)
    fraction_digits = lengths - _SHORTEST - 1  # -1 when there is no fraction
    fraction = digits[:, _SHORTEST : _SHORTEST + 6]
    in_fraction = np.arange(_MAX_FRACTION)[None, :] < fraction_digits[:, None]
    all_fraction = digits[:, _SHORTEST : _SHORTEST + _MAX_FRACTION]
    ok &= np.where(in_fraction, (all_fraction >= 0) & (all_fraction <= 9), True).all(axis=1)
    ok &= (lengths == _SHORTEST) | (chars[:, 19] == ord("."))
    micro = np.where(in_fraction[:, :6], fraction, 0) @ (10 ** np.arange(5, -1, -1))

    def number(first: int, width: int) -> np.ndarray:
        value = np.zeros(rows, dtype=np.int64)
        for offset in range(width):
            value = value * 10 + digits[:, first + offset]
        return value

    year, month, day = number(0, 4), number(5, 2), number(8, 2)
    hour, minute, second = number(11, 2), number(14, 2), number(17, 2)
    ok &= (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    ok &= day <= _DAYS_IN_MONTH[np.clip(month, 0, 12)] + ((month == 2) & leap)
    ok &= (hour <= 23) & (minute <= 59) & (second <= 59)
    seconds = _days_since_epoch(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second
    return np.where(ok, seconds * 1_000_000 + micro, 0), ok


def _days_since_epoch(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil)."""
    year = year - (month <= 2)
    era = year // 400
    of_era = year - era * 400
    of_year = (153 * np.where(month > 2, month - 3, month + 9) + 2) // 5 + day - 1
    of_cycle = of_era * 365 + of_era // 4 - of_era // 100 + of_year
    return np.asarray(era * 146_097 + of_cycle - 719_468)


def compact_batch(columns: dict[str, pa.Array]) -> pa.RecordBatch:
    """A batch of the compact sign-in schema from named columns (any order)."""
    return pa.RecordBatch.from_arrays(
        [columns[field.name] for field in COMPACT_SCHEMA], schema=COMPACT_SCHEMA
    )


def merge_by_record(batches: Sequence[pa.RecordBatch | None]) -> pa.RecordBatch | None:
    """The compact batches as one, rows in line order (a fast and a record path's rows)."""
    present = [b for b in batches if b is not None and b.num_rows]
    if not present:
        return None
    table = pa.Table.from_batches(present, schema=COMPACT_SCHEMA)
    records = table.column("record").to_numpy()
    if (np.diff(records) >= 0).all():
        return present[0] if len(present) == 1 else _one(table)
    return _one(table.unify_dictionaries().take(pc.sort_indices(table.column("record"))))


def _one(table: pa.Table) -> pa.RecordBatch:
    return table.unify_dictionaries().combine_chunks().to_batches()[0]
