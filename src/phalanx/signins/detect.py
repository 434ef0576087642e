"""All sign-in detectors over one normalised table, in the order their results feed each other."""

from __future__ import annotations

import polars as pl
import pyarrow as pa

from phalanx.config.signins import SigninSettings
from phalanx.core.finding import Finding
from phalanx.signins.detectors import brute_force, distributed, spray, stale
from phalanx.signins.detectors.prepare import prepare


def detect_all(
    table: pa.Table | pl.DataFrame,
    settings: SigninSettings,
    history: distributed.History | None = None,
) -> list[Finding]:
    """Pure: the same table and settings always give the same findings (event time only).
    `history`: what a live watch kept of earlier weeks for the hour-of-week baseline."""
    frame = prepare(table, settings.account_aliases)
    if frame.is_empty():
        return []
    sprays = spray.detect(frame, settings)
    stale_pairs = stale.stale_pairs(frame, settings)
    brute_forces = brute_force.detect(frame, settings, sprays, stale_pairs)
    per_source = [*sprays, *brute_forces]
    return [
        *per_source,
        *distributed.detect(frame, settings, per_source, history),
        *stale.detect(frame, settings, stale_pairs),
    ]
