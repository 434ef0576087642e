"""`scan`: read every input, detect over the whole normalised table, tune.

This is the batch flow; the reports and the CLI only render its ScanResult.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from phalanx.config.signins import SigninSettings
from phalanx.core.finding import Finding
from phalanx.signins.detect import detect_all
from phalanx.signins.readers import InputFile, InputStats, detect, open_inputs
from phalanx.signins.schema import SIGNIN_SCHEMA
from phalanx.signins.tune import tune

Progress = Callable[[InputFile, int], None]  # (input just read, its size in bytes)


@dataclass
class ScanResult:
    findings: list[Finding]
    inputs: list[InputStats]
    table: pa.Table = field(repr=False)

    @property
    def skipped(self) -> int:
        return sum(i.skips.total for i in self.inputs)

    def to_dict(self) -> dict[str, object]:
        return {
            "findings": [f.to_dict() for f in self.findings],
            "inputs": [i.to_dict() for i in self.inputs],
        }


def read_all(
    paths: Sequence[Path], settings: SigninSettings, progress: Progress | None = None
) -> tuple[pa.Table, list[InputStats]]:
    """Every sign-in under `paths` as one table, and what each input gave or skipped."""
    problems: list[InputStats] = []
    inputs: list[InputStats] = []
    batches: list[pa.RecordBatch] = []
    for source in open_inputs(paths, problems):
        stats = InputStats(path=source.name)
        inputs.append(stats)
        batches.extend(read_one(source, stats, settings))
        if progress:
            progress(source, source.size or 0)
    table = pa.Table.from_batches(batches, schema=SIGNIN_SCHEMA)
    return table, problems + inputs


def read_one(
    source: InputFile, stats: InputStats, settings: SigninSettings
) -> list[pa.RecordBatch]:
    try:
        head = source.head()
    except (OSError, EOFError, ValueError) as exc:  # a corrupt .gz fails on its first read
        stats.skip("unreadable", detail=str(exc))
        return []
    reader = detect(source, head)
    if reader is None:
        stats.skip("unknown_format", detail="no reader recognises this content")
        return []
    stats.format = reader.NAME
    try:
        return list(reader.read(source, stats, settings))
    except (OSError, EOFError, ValueError) as exc:
        # Readers skip bad records themselves; this is the stream itself failing mid-way
        # (a truncated .gz, a zip member that cannot be inflated).
        stats.skip("unreadable", detail=f"stopped reading: {exc}")
        return []


def scan(
    paths: Sequence[Path], settings: SigninSettings, progress: Progress | None = None
) -> ScanResult:
    table, inputs = read_all(paths, settings, progress)
    findings = tune(detect_all(table, settings), settings.allow_sources)
    return ScanResult(findings=findings, inputs=inputs, table=table)
