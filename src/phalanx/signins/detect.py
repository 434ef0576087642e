"""All sign-in detectors over one normalised table, in the order their results feed each other."""

from __future__ import annotations

import polars as pl
import pyarrow as pa

from phalanx.config.signins import SigninSettings
from phalanx.core.finding import Finding
from phalanx.signins.detectors import brute_force, spray, stale
from phalanx.signins.detectors.prepare import prepare


def detect_all(table: pa.Table | pl.DataFrame, settings: SigninSettings) -> list[Finding]:
    """Pure: the same table and settings always give the same findings (event time only)."""
    frame = prepare(table)
    if frame.is_empty():
        return []
    sprays = spray.detect(frame, settings)
    stale_pairs = stale.stale_pairs(frame, settings)
    return [
        *sprays,
        *brute_force.detect(frame, settings, sprays, stale_pairs),
        *stale.detect(frame, settings, stale_pairs),
    ]
