"""From the normalised sign-in table to the frame every detector works on.

Classifies each row once, so detectors agree on what a guess, a success and a proven password
are, and drops what can never be an attack signal (machine accounts, records without time).
"""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pyarrow as pa

from phalanx.signins.schema import FailureReason, Outcome

# Failures a password guess produces. "restricted" (logon right, 4625 status 0x0) and "other"
# are configuration problems, not guesses: counting them is how rules fire on typos at a UAC
# prompt (see the uac-typo and rdp-denied negative controls).
GUESS_REASONS = (
    FailureReason.BAD_PASSWORD,
    FailureReason.UNKNOWN_ACCOUNT,
    FailureReason.DISABLED,
    FailureReason.LOCKED_OUT,
    FailureReason.EXPIRED_PASSWORD,
)
_EARLIEST = datetime(1980, 1, 1, tzinfo=UTC)  # FILETIME 0 records say 1601-01-01
# The columns detectors and evidence use; the rest stay in Arrow, unconverted.
DETECTION_COLUMNS = (
    "time",
    "account",
    "is_machine",
    "source",
    "source_kind",
    "target",
    "outcome",
    "failure_reason",
    "code",
    "log_source",
    "origin",
    "record",
)


def prepare(table: pa.Table | pl.DataFrame) -> pl.DataFrame:
    """Adds is_guess / is_success / is_proven columns; drops machine accounts and no-time rows."""
    if isinstance(table, pa.Table):
        table = table.select(list(DETECTION_COLUMNS))
    frame = table if isinstance(table, pl.DataFrame) else pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    outcome = pl.col("outcome")
    return frame.filter(
        (pl.col("time") >= _EARLIEST) & ~pl.col("is_machine") & (pl.col("account") != "")
    ).with_columns(
        source=pl.when(pl.col("source") == "")
        .then(pl.lit("(unknown)"))
        .otherwise(pl.col("source")),
        is_guess=(
            (outcome == Outcome.ATTEMPT.value)
            | (
                (outcome == Outcome.FAILURE.value)
                & pl.col("failure_reason").is_in([r.value for r in GUESS_REASONS])
            )
        ),
        is_success=outcome == Outcome.SUCCESS.value,
        # The password was right: a success, or a sign-in stopped only after the password
        # was checked (MFA or Conditional Access required, 50074/50076/53003...).
        is_proven=outcome.is_in([Outcome.SUCCESS.value, Outcome.PASSWORD_VALID.value]),
    )


def guesses(frame: pl.DataFrame) -> pl.DataFrame:
    """The guess rows, with source and account as categoricals: the detectors group, sort and
    count distinct values of these two columns many times, and integer codes make that cheap."""
    return frame.filter(pl.col("is_guess")).with_columns(
        pl.col("source").cast(pl.Categorical), pl.col("account").cast(pl.Categorical)
    )
