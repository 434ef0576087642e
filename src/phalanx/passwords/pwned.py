"""Have I Been Pwned's Pwned Passwords, offline: the downloader's files and a compact store.

The HIBP downloader writes either one file of `HASH:COUNT` lines in hash order or one file per
5-hex prefix (`00000.txt` ... `FFFFF.txt`) of `SUFFIX:COUNT` lines; hashes are SHA-1 (40 hex)
or NTLM (32 hex, `-n`). Both are read in place with binary search. `build_store` turns them
into a Phalanx store: 14 bytes per hash — the first 12 bytes of the hash (96 bits: across 2
billion hashes and 100k lookups a false match has odds near 10^-15) and the count, saturated
at 65,535 — as packed records sorted by hash and memory-mapped, so a lookup is one
`searchsorted`.
"""

from __future__ import annotations

import hashlib
import mmap
import os
import re
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from phalanx.core.errors import InputError
from phalanx.passwords.nthash import nt_hash

MAGIC = b"PHXPWND1"
HEADER = 32  # magic, kind (8 bytes), count (uint64), reserved
COUNT_MAX = 65_535
HEX_LEN = {"sha1": 40, "ntlm": 32}
CHUNK = 64 << 20

_PREFIX_FILE = re.compile(r"^[0-9A-Fa-f]{5}(\.txt)?$")


def password_hash(password: str, kind: str) -> bytes:
    if kind == "sha1":
        return hashlib.sha1(password.encode("utf-8")).digest()
    return nt_hash(password)


# ---------------------------------------------------------------- parsing the downloader's text

@dataclass
class Parsed:
    hi: npt.NDArray[np.uint64]  # hash bytes 0-7, big-endian (sorts like the hex)
    lo: npt.NDArray[np.uint32]  # hash bytes 8-11
    counts: npt.NDArray[np.uint16]


def parse_lines(chunk: bytes, kind: str, prefix: str = "", where: str = "",
                first_line: int = 1) -> Parsed:
    """Vectorised parse of whole `HEX:COUNT` lines (suffix lines when `prefix` is given)."""
    if not chunk.endswith(b"\n"):
        chunk += b"\n"
    buf = np.frombuffer(chunk, dtype=np.uint8)
    ends = np.flatnonzero(buf == 10)
    starts = np.concatenate([[0], ends[:-1] + 1])
    ends = ends - ((ends > starts) & (buf[ends - 1] == 13))  # CRLF as the downloader writes
    keep = ends > starts  # blank lines
    line_numbers = np.arange(first_line, first_line + len(ends))[keep]
    starts, ends = starts[keep], ends[keep]
    if not len(starts):
        return Parsed(np.zeros(0, np.uint64), np.zeros(0, np.uint32), np.zeros(0, np.uint16))
    hex_len = HEX_LEN[kind] - len(prefix)
    _require(ends - starts > hex_len, line_numbers, where, f"shorter than {hex_len} hex digits")
    colon = starts + hex_len
    _require(buf[colon] == ord(":"), line_numbers, where,
             f"not HASH:COUNT with a {HEX_LEN[kind]}-hex-digit {kind} hash")
    windows = np.lib.stride_tricks.sliding_window_view(buf, hex_len)  # no copy
    packed = _packed(windows[starts], prefix, line_numbers, where)
    hi = np.ascontiguousarray(packed[:, :8]).view(">u8").ravel().astype(np.uint64)
    lo = np.ascontiguousarray(packed[:, 8:12]).view(">u4").ravel().astype(np.uint32)
    return Parsed(hi, lo, _counts(buf, colon + 1, ends, line_numbers, where))


_COUNT_DIGITS = 12
_KEPT_DIGITS = 5  # counts saturate at 65,535: only the last five digits ever matter
_POWERS = 10 ** np.arange(_KEPT_DIGITS - 1, -1, -1, dtype=np.int32)


def _pair_table() -> npt.NDArray[np.uint16]:
    """Two hex characters (as one little-endian uint16) -> their byte; 0x100 when not hex."""
    table = np.full(1 << 16, 0x100, dtype=np.uint16)
    digits = {c: int(c, 16) for c in "0123456789abcdefABCDEF"}
    for high, high_value in digits.items():
        for low, low_value in digits.items():
            table[ord(high) | (ord(low) << 8)] = (high_value << 4) | low_value
    return table


_PAIRS = _pair_table()


def _packed(chars: npt.NDArray[np.uint8], prefix: str, line_numbers: npt.NDArray[np.int64],
            where: str) -> npt.NDArray[np.uint8]:
    """The first 12 bytes of each line's hash; refuses a line with a non-hex character.

    Whole-hash lines (the bulk of a build) go through a two-characters-at-a-time table: one
    lookup per byte. Suffix lines after an odd-length prefix use per-digit arithmetic.
    """
    if not prefix:
        values = _PAIRS[np.ascontiguousarray(chars[:, : chars.shape[1] // 2 * 2]).view("<u2")]
        if values.max(initial=0) > 0xFF:
            _require((values <= 0xFF).all(axis=1), line_numbers, where, "not hexadecimal")
        packed: npt.NDArray[np.uint8] = values[:, :12].astype(np.uint8)
        return packed
    nibbles, valid = _hex_values(chars)
    if not valid.all():
        _require(valid.all(axis=1), line_numbers, where, "not hexadecimal")
    head = np.array([int(c, 16) for c in prefix], dtype=np.uint8)
    nibbles = np.hstack([np.broadcast_to(head, (len(nibbles), len(prefix))),
                         nibbles[:, : 24 - len(prefix)]])
    return ((nibbles[:, 0::2] << 4) | nibbles[:, 1::2]).astype(np.uint8)


def _hex_values(chars: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.uint8],
                                                      npt.NDArray[np.bool_]]:
    """Hex digits' values and validity, by arithmetic."""
    lower = chars | np.uint8(0x20)  # 'A'-'F' -> 'a'-'f'; digits already have the bit
    digit = lower - np.uint8(48)
    letter = lower - np.uint8(87)
    is_digit = (digit <= 9) & (chars >= 48)  # control bytes 0x10-0x19 would pass the OR
    is_letter = (letter >= 10) & (letter <= 15)
    return np.where(is_digit, digit, letter), is_digit | is_letter


def _counts(buf: npt.NDArray[np.uint8], first: npt.NDArray[np.int64],
            ends: npt.NDArray[np.int64], line_numbers: npt.NDArray[np.int64],
            where: str) -> npt.NDArray[np.uint16]:
    digits = ends - first
    _require((digits >= 1) & (digits <= _COUNT_DIGITS), line_numbers, where,
             "count missing or too long")
    padded = np.concatenate([np.zeros(_COUNT_DIGITS, dtype=np.uint8), buf])
    windows = np.lib.stride_tricks.sliding_window_view(padded, _COUNT_DIGITS)
    tail = windows[ends] - np.uint8(48)  # the 12 bytes before each line's end; wraps if < '0'
    first_used = (_COUNT_DIGITS - digits).astype(np.int8)[:, None]
    tail[np.arange(_COUNT_DIGITS, dtype=np.int8)[None, :] < first_used] = 0
    if (tail > 9).any():
        _require((tail <= 9).all(axis=1), line_numbers, where, "count not a number")
    last = tail[:, -_KEPT_DIGITS:].astype(np.int32)
    value = last @ _POWERS
    counts: npt.NDArray[np.uint16] = np.where(digits > _KEPT_DIGITS, COUNT_MAX,
                                              np.minimum(value, COUNT_MAX)).astype(np.uint16)
    return counts


def _require(ok: npt.ArrayLike, line_numbers: npt.NDArray[np.int64], where: str,
             problem: str) -> None:
    passed = np.asarray(ok, dtype=np.bool_)
    if not passed.all():
        bad = int(line_numbers[int(np.argmin(passed))])
        raise InputError(f"line is {problem}", path=where, record=bad)


def sniff_kind(path: Path) -> tuple[str, bool]:
    """('sha1'|'ntlm', is a per-prefix directory) from the first line of the data."""
    first_file = next(iter(_prefix_files(path)), None) if path.is_dir() else path
    if first_file is None:
        raise InputError("no NNNNN.txt prefix files in this directory", path=str(path))
    with first_file.open("rb") as stream:
        line = stream.readline().strip()
    hex_part = line.split(b":")[0]
    offset = 5 if path.is_dir() else 0
    for kind, length in HEX_LEN.items():
        if len(hex_part) + offset == length and all(c in b"0123456789ABCDEFabcdef"
                                                    for c in hex_part):
            return kind, path.is_dir()
    raise InputError("not a Pwned Passwords file: expected SHA-1 or NTLM HASH:COUNT lines",
                     path=str(first_file), record=1)


def _prefix_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if _PREFIX_FILE.match(p.name))


def read_hibp(path: Path, workers: int = 0) -> Iterator[Parsed]:
    """Parsed chunks of a single HIBP file or a per-prefix directory, in file order.

    A single file is cut into ~64 MiB ranges at line ends and parsed by `workers` processes
    (one per CPU by default); parsing, not reading, is what limits the build rate.
    """
    kind, split = sniff_kind(path)
    if split:
        for child in _prefix_files(path):
            yield parse_lines(child.read_bytes(), kind, child.name[:5].upper(), str(child))
        return
    ranges = _line_ranges(path)
    workers = min(workers or os.cpu_count() or 1, len(ranges))
    if workers <= 1:
        yield from (_parse_range(path, kind, r) for r in ranges)
        return
    with ProcessPoolExecutor(workers) as pool:
        # A bounded window of chunks in flight: memory stays at a few chunks on any file size.
        pending: deque[Future[Parsed]] = deque()
        for span in ranges:
            pending.append(pool.submit(_parse_range, path, kind, span))
            if len(pending) > 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _line_ranges(path: Path) -> list[tuple[int, int, int]]:
    """(start, end, first line number) of ~CHUNK-sized pieces cut just after a newline."""
    size = path.stat().st_size
    ranges: list[tuple[int, int, int]] = []
    with path.open("rb") as stream:
        start, line = 0, 1
        while start < size:
            stream.seek(min(start + CHUNK, size))
            stream.readline()
            end = min(stream.tell(), size)
            ranges.append((start, end, line))
            start = end
        for index, (start, end, _) in enumerate(ranges[:-1]):
            stream.seek(start)
            line += stream.read(end - start).count(b"\n")
            ranges[index + 1] = (*ranges[index + 1][:2], line)
    return ranges


def _parse_range(path: Path, kind: str, span: tuple[int, int, int]) -> Parsed:
    start, end, line = span
    with path.open("rb") as stream:
        stream.seek(start)
        block = stream.read(end - start)
    return parse_lines(block, kind, "", str(path), line)


# ---------------------------------------------------------------- the compact store

RECORD = np.dtype([("hi", "<u8"), ("lo", "<u4"), ("count", "<u2")])  # packed: 14 bytes


def build_store(sources: Sequence[Path], out: Path) -> tuple[str, int]:
    """Write a store from HIBP files/directories; returns (kind, hashes).

    Streams: each parsed chunk is appended to `out` as 14-byte records, so memory stays at one
    chunk for the downloader's output, which is already in hash order; the header's count is
    written last. Input out of order is sorted in memory at the end (14 bytes per hash plus
    the sort's index).
    """
    kinds = {sniff_kind(p)[0] for p in sources}
    if len(kinds) != 1:
        raise InputError("SHA-1 and NTLM inputs cannot share one store; build one of each")
    kind = kinds.pop()
    with out.open("wb") as stream:
        stream.write(_header(kind, 0))
        total, in_order = _write_records(sources, stream)
        stream.seek(0)
        stream.write(_header(kind, total))
    if not in_order:
        records = np.fromfile(out, dtype=RECORD, offset=HEADER)
        records.sort(order=["hi", "lo"], kind="stable")
        with out.open("r+b") as stream:
            stream.seek(HEADER)
            records.tofile(stream)
    return kind, total


def _header(kind: str, total: int) -> bytes:
    return (MAGIC + kind.encode().ljust(8, b"\0") + total.to_bytes(8, "little")).ljust(
        HEADER, b"\0")


def _write_records(sources: Sequence[Path], stream: BinaryIO) -> tuple[int, bool]:
    total, in_order = 0, True
    last: tuple[int, int] | None = None
    for source in sources:
        for chunk in read_hibp(source):
            if not len(chunk.hi):
                continue
            first = (int(chunk.hi[0]), int(chunk.lo[0]))
            in_order = in_order and _is_sorted(chunk.hi, chunk.lo) and (
                last is None or first >= last)
            last = (int(chunk.hi[-1]), int(chunk.lo[-1]))
            records = np.empty(len(chunk.hi), dtype=RECORD)
            records["hi"], records["lo"], records["count"] = chunk.hi, chunk.lo, chunk.counts
            stream.write(records.tobytes())
            total += len(records)
    return total, in_order


def _is_sorted(hi: npt.NDArray[np.uint64], lo: npt.NDArray[np.uint32]) -> bool:
    up = hi[1:] > hi[:-1]
    same = hi[1:] == hi[:-1]
    return bool((up | (same & (lo[1:] >= lo[:-1]))).all())


class PwnedStore:
    """A memory-mapped Phalanx store; `counts()` looks up many hashes at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = f"Pwned Passwords store {path.name}"
        with path.open("rb") as stream:
            header = stream.read(HEADER)
        if not header.startswith(MAGIC):
            raise InputError("not a Phalanx Pwned Passwords store", path=str(path))
        self.kind = header[8:16].rstrip(b"\0").decode()
        size = int.from_bytes(header[16:24], "little")
        records = np.memmap(path, dtype=RECORD, mode="r", offset=HEADER, shape=(size,))
        # Column views over the packed records (stride 14), never copied: see _lower_bound.
        self.hi, self.lo, self.count_column = records["hi"], records["lo"], records["count"]

    def __len__(self) -> int:
        return len(self.hi)

    def counts(self, hashes: Sequence[bytes]) -> npt.NDArray[np.int64]:
        if not hashes or not len(self.hi):
            return np.zeros(len(hashes), dtype=np.int64)
        raw = np.frombuffer(b"".join(h[:12] for h in hashes), dtype=np.uint8).reshape(-1, 12)
        q_hi = np.ascontiguousarray(raw[:, :8]).view(">u8").ravel().astype(np.uint64)
        q_lo = np.ascontiguousarray(raw[:, 8:]).view(">u4").ravel().astype(np.uint32)
        found = np.zeros(len(hashes), dtype=np.int64)
        index = _lower_bound(self.hi, q_hi)
        for step in range(2):  # two hashes sharing 64 bits: rare, never three
            at = np.minimum(index + step, len(self.hi) - 1)
            hit = (self.hi[at] == q_hi) & (self.lo[at] == q_lo) & (found == 0)
            found[hit] = self.count_column[at[hit]]
        return found

    def count(self, password: str) -> int:
        return int(self.counts([password_hash(password, self.kind)])[0])


def _lower_bound(column: npt.NDArray[np.uint64],
                 queries: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
    """First index with column[i] >= query, for all queries at once.

    np.searchsorted would first copy a strided memory-mapped column (16 GB at full HIBP
    scale); this binary search touches only log2(N) records per query.
    """
    size = len(column)
    low = np.zeros(len(queries), dtype=np.int64)
    high = np.full(len(queries), size, dtype=np.int64)
    while True:
        active = low < high
        if not active.any():
            return low
        middle = (low + high) // 2
        smaller = (column[np.minimum(middle, size - 1)] < queries) & active
        low = np.where(smaller, middle + 1, low)
        high = np.where(active & ~smaller, middle, high)


class PwnedFile:
    """A single sorted HIBP file or a per-prefix directory, searched in place."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.kind, self.split = sniff_kind(path)
        self.name = f"Pwned Passwords {path.name}"

    def count(self, password: str) -> int:
        return self.count_hash(password_hash(password, self.kind))

    def counts(self, hashes: Sequence[bytes]) -> npt.NDArray[np.int64]:
        return np.array([self.count_hash(h) for h in hashes], dtype=np.int64)

    def count_hash(self, digest: bytes) -> int:
        full = digest.hex().upper().encode()
        if self.split:
            target = self.path / f"{full[:5].decode()}.txt"
            if not target.exists():
                return 0
            return _search_lines(target.read_bytes(), full[5:])
        with self.path.open("rb") as stream, mmap.mmap(stream.fileno(), 0,
                                                       access=mmap.ACCESS_READ) as data:
            return _search_lines(data, full)


def _search_lines(data: bytes | mmap.mmap, key: bytes) -> int:
    """Binary search over sorted `HEX:COUNT` lines by byte offset."""
    low, high = 0, len(data)
    while low < high:
        mid = (low + high) // 2
        start = data.rfind(b"\n", 0, mid) + 1
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        line = bytes(data[start:end]).strip()
        hex_part, _, count = line.partition(b":")
        if hex_part.upper() == key:
            return int(count or b"0")
        if hex_part.upper() < key:
            low = end + 1
        else:
            high = start
    return 0


def open_pwned_source(path: Path) -> PwnedStore | PwnedFile:
    if not path.exists():
        raise InputError("no such file or directory", path=str(path))
    if path.is_file():
        with path.open("rb") as stream:
            if stream.read(len(MAGIC)) == MAGIC:
                return PwnedStore(path)
    return PwnedFile(path)
