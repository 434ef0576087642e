"""Raw reported messages on disk, content-addressed: blobs/ab/<sha256> (git's layout: 256
folders, made once, each listing a few thousand files a year at national-CERT volumes).

A blob is written to a temporary name, flushed to the disk (fsync), renamed into place and its
directory flushed too, so that once `put` returns the bytes survive a crash or a power cut. The
same bytes reported twice are stored once. Reading never trusts a file name: `get` checks the
digest, so a damaged file is reported, not analysed as something it is not.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from phalanx.core.errors import PhalanxError


class BlobError(PhalanxError):
    """A stored message is missing or does not match its digest."""


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest

    def put(self, data: bytes) -> str:
        """Store `data` durably; its SHA-256 (hex) names it."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if target.exists():
            return digest
        folder = target.parent
        temporary = folder / f".{digest}.{secrets.token_hex(4)}.tmp"
        try:
            out = open(temporary, "wb")  # noqa: SIM115 (closed below, after the fsync)
        except FileNotFoundError:  # the folder's first message: make it, durably, then
            folder.mkdir(parents=True, exist_ok=True)
            _fsync_directory(self.root)
            out = open(temporary, "wb")  # noqa: SIM115
        with out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
        _fsync_directory(folder)
        return digest

    def get(self, digest: str) -> bytes:
        try:
            data = self.path(digest).read_bytes()
        except FileNotFoundError as exc:
            raise BlobError(f"stored message {digest} is missing from {self.root}") from exc
        if hashlib.sha256(data).hexdigest() != digest:
            raise BlobError(f"stored message {digest} is damaged (its digest differs)")
        return data


def _fsync_directory(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
