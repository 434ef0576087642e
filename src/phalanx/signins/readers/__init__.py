"""The sign-in readers: one module per log format, in one explicit, ordered table.

`open_inputs()` turns the paths a user gives (files, .gz, .zip, directories) into streams;
`detect()` asks each reader in READERS order whether it recognises the first bytes; the first
that says yes reads the whole stream. Order matters only where two formats look alike: the
more specific sniff comes first.
"""

from __future__ import annotations

import gzip
import io
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from phalanx.signins.readers import (
    entra,
    evtx,
    journald,
    m365_audit,
    mapped_csv,
    okta,
    syslog_auth,
    windows_json,
)
from phalanx.signins.readers.base import HEAD_BYTES, InputFile, InputStats, SigninReader

READERS: tuple[SigninReader, ...] = (
    evtx,
    windows_json,
    m365_audit,
    entra,
    okta,
    journald,
    syslog_auth,
    mapped_csv,
)

_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGIC = b"PK\x03\x04"


def reader_named(name: str) -> SigninReader:
    for reader in READERS:
        if name == reader.NAME:
            return reader
    known = ", ".join(r.NAME for r in READERS)
    raise ValueError(f"unknown log format {name!r} (known: {known})")


def detect(source: InputFile, head: bytes) -> SigninReader | None:
    for reader in READERS:
        if reader.sniff(head, source.name):
            return reader
    return None


def open_inputs(paths: Sequence[Path], problems: list[InputStats]) -> Iterator[InputFile]:
    """Every stream under `paths`; what cannot be opened is appended to `problems`, not raised."""
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                yield from _open_file(child, problems)
        elif path.exists():
            yield from _open_file(path, problems)
        else:
            stats = InputStats(path=str(path))
            stats.skip("unreadable", detail="no such file or directory")
            problems.append(stats)


def _open_file(path: Path, problems: list[InputStats]) -> Iterator[InputFile]:
    try:
        with path.open("rb") as stream:
            magic = stream.read(4)
    except OSError as exc:
        stats = InputStats(path=str(path))
        stats.skip("unreadable", detail=exc.strerror or str(exc))
        problems.append(stats)
        return
    if magic.startswith(_GZIP_MAGIC):
        yield InputFile(str(path), lambda: _gunzip(path), size=path.stat().st_size)
    elif magic.startswith(_ZIP_MAGIC):
        yield from _zip_members(path, problems)
    else:
        yield InputFile(str(path), lambda: path.open("rb"), size=path.stat().st_size)


def _gunzip(path: Path) -> BinaryIO:
    return gzip.open(path, "rb")  # type: ignore[return-value]


def _zip_members(path: Path, problems: list[InputStats]) -> Iterator[InputFile]:
    try:
        archive = zipfile.ZipFile(path)
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, OSError) as exc:
        stats = InputStats(path=str(path))
        stats.skip("corrupt_archive", detail=str(exc))
        problems.append(stats)
        return
    for member in members:
        if _is_macos_metadata(member.filename):
            continue  # Finder's AppleDouble copies (__MACOSX/._name): archive metadata, no log

        yield InputFile(
            f"{path}!{member.filename}",
            lambda member=member: _open_member(path, member),  # type: ignore[misc]
            size=member.file_size,
        )


def _is_macos_metadata(name: str) -> bool:
    return name.startswith("__MACOSX/") or name.rsplit("/", 1)[-1].startswith("._")


def _open_member(path: Path, member: zipfile.ZipInfo) -> BinaryIO:
    # Members are read whole into memory: the evtx parser needs a seekable stream, and a zip
    # member's stream is not. Sign-in exports are far smaller than memory here.
    with zipfile.ZipFile(path) as archive:
        data = archive.read(member)
    if data.startswith(_GZIP_MAGIC):
        data = gzip.decompress(data)
    return io.BytesIO(data)


__all__ = [
    "HEAD_BYTES",
    "READERS",
    "InputFile",
    "InputStats",
    "SigninReader",
    "detect",
    "open_inputs",
    "reader_named",
]
