"""What every sign-in reader is given and what it gives back."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, Protocol

import pyarrow as pa

from phalanx.config.signins import SigninSettings
from phalanx.core.skips import SkipLog

HEAD_BYTES = 65_536  # enough to sniff any supported format, small enough to read for every file


@dataclass(frozen=True)
class InputFile:
    """One readable stream: a plain file, a decompressed .gz, or a member of a .zip."""

    name: str  # shown to the user and stored as each sign-in's origin: "logs.zip!dc1.json"
    opener: Callable[[], BinaryIO]
    size: int | None = None  # bytes, when known without reading (for progress)

    def open(self) -> BinaryIO:
        return self.opener()

    def head(self, size: int = HEAD_BYTES) -> bytes:
        with self.open() as stream:
            return stream.read(size)

    def read_bytes(self) -> bytes:
        with self.open() as stream:
            return stream.read()

    def text_lines(self, encoding: str = "utf-8") -> Iterator[tuple[int, str]]:
        """(line number from 1, line without its end) — undecodable bytes become U+FFFD."""
        with self.open() as stream:
            text = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")
            for number, line in enumerate(text, start=1):
                yield number, line.rstrip("\r\n")


@dataclass
class InputStats:
    """What one input gave: the `inputs` entries of `phalanx signins scan --format json`."""

    path: str
    format: str = ""
    records: int = 0  # records or lines seen, logon-related or not
    signins: int = 0  # sign-ins produced
    skips: SkipLog = field(default_factory=SkipLog)

    def skip(self, reason: str, record: int | None = None, detail: str = "") -> None:
        where = self.path if record is None else f"{self.path}:{record}"
        self.skips.skip(reason, where, detail)

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "format": self.format,
            "records": self.records,
            "signins": self.signins,
            "skipped": dict(self.skips.counts),
            "skip_examples": list(self.skips.examples),
        }


class SigninReader(Protocol):
    """A reader module: NAME, sniff() and read() at module level (see readers/__init__.py)."""

    NAME: str

    def sniff(self, head: bytes, name: str) -> bool: ...

    def read(
        self, source: InputFile, stats: InputStats, settings: SigninSettings
    ) -> Iterator[pa.RecordBatch]: ...
