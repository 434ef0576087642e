"""Placeholder: being written (see the issue); recognises nothing yet."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa

from phalanx.config.signins import SigninSettings
from phalanx.signins.readers.base import InputFile, InputStats

NAME = "mapped_csv"


def sniff(head: bytes, name: str) -> bool:
    return False


def read(
    source: InputFile, stats: InputStats, settings: SigninSettings
) -> Iterator[pa.RecordBatch]:
    raise NotImplementedError(NAME)
    yield
