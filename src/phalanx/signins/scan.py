"""`scan`: read every input, detect over the whole normalised table, tune.

This is the batch flow; the reports and the CLI only render its ScanResult.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pyarrow as pa

from phalanx.config.signins import SigninSettings
from phalanx.core.finding import Finding
from phalanx.signins.detect import detect_all
from phalanx.signins.readers import InputStats
from phalanx.signins.reading import Progress, read_all
from phalanx.signins.tune import tune


@dataclass
class ScanResult:
    findings: list[Finding]
    inputs: list[InputStats]
    frame: pl.DataFrame = field(repr=False)  # every sign-in read, string columns Categorical

    @property
    def table(self) -> pa.Table:
        """The sign-ins as Arrow (string columns dictionary-encoded)."""
        return self.frame.to_arrow()

    @property
    def skipped(self) -> int:
        return sum(i.skips.total for i in self.inputs)

    def to_dict(self) -> dict[str, object]:
        return {
            "findings": [f.to_dict() for f in self.findings],
            "inputs": [i.to_dict() for i in self.inputs],
        }


def scan(
    paths: Sequence[Path], settings: SigninSettings, progress: Progress | None = None
) -> ScanResult:
    frame, inputs = read_all(paths, settings, progress)
    findings = tune(detect_all(frame, settings), settings.allow_sources)
    return ScanResult(findings=findings, inputs=inputs, frame=frame)


__all__ = ["Progress", "ScanResult", "read_all", "scan"]
