"""From the normalised sign-in table to the frame every detector works on.

Classifies each row once, so detectors agree on what a guess, a success and a proven password
are, and drops what can never be an attack signal (machine accounts, records without time).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

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
UNKNOWN_SOURCE = "(unknown)"  # nothing to attribute the attempt to: still one bucket to count
# The columns detectors and evidence use; the rest stay in Arrow, unconverted.
DETECTION_COLUMNS = (
    "time",
    "account",
    "is_machine",
    "source",
    "source_kind",
    "asn",
    "target",
    "protocol",
    "client",
    "outcome",
    "failure_reason",
    "code",
    "log_source",
    "origin",
    "record",
)


def prepare(
    table: pa.Table | pl.DataFrame, aliases: Mapping[str, str] | None = None
) -> pl.DataFrame:
    """The detection frame: is_guess / is_success / is_proven flags on every row.

    Machine accounts and records without a time get no flag (so no detector counts them)
    rather than being filtered out: a filtered copy of ten million rows costs a gigabyte.
    """
    if isinstance(table, pa.Table):
        frame = pl.from_arrow(_encoded(table))
        assert isinstance(frame, pl.DataFrame)
    else:
        frame = _categorical(table)
    if aliases:
        frame = frame.with_columns(_canonical_accounts(aliases))
    outcome = pl.col("outcome")
    usable = (pl.col("time") >= _EARLIEST) & ~pl.col("is_machine") & (pl.col("account") != "")
    return frame.with_columns(
        is_guess=usable
        & (
            (outcome == Outcome.ATTEMPT.value)
            | (
                (outcome == Outcome.FAILURE.value)
                & pl.col("failure_reason").is_in([r.value for r in GUESS_REASONS])
            )
        ),
        is_success=usable & (outcome == Outcome.SUCCESS.value),
        # The password was right: a success, or a sign-in stopped only after the password
        # was checked (MFA or Conditional Access required, 50074/50076/53003...).
        is_proven=usable & outcome.is_in([Outcome.SUCCESS.value, Outcome.PASSWORD_VALID.value]),
    )


def _canonical_accounts(aliases: Mapping[str, str]) -> pl.Expr:
    """One account per person across AD, Entra, VPN and sshd, from the configured aliases."""
    folded = {alias.casefold(): canonical.casefold() for alias, canonical in aliases.items()}
    return pl.col("account").cast(pl.String).replace(folded).cast(pl.Categorical).alias("account")


def _encoded(table: pa.Table) -> pa.Table:
    """The detection columns, strings dictionary-encoded: sign-in logs repeat the same few
    thousand accounts and sources millions of times, and integer codes group, join and sort
    far faster and in a fraction of the memory."""
    columns = []
    for name in DETECTION_COLUMNS:
        column = table.column(name)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            column = pc.dictionary_encode(column)
        if name == "source":
            column = _unknown_source(column)
        columns.append(column)
    return pa.table(columns, names=list(DETECTION_COLUMNS))


def _unknown_source(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """An empty source named "(unknown)", in each dictionary (not in ten million strings)."""
    chunks = [
        pa.DictionaryArray.from_arrays(
            chunk.indices,
            pc.if_else(pc.equal(chunk.dictionary, ""), UNKNOWN_SOURCE, chunk.dictionary),
        )
        for chunk in column.chunks
    ]
    return pa.chunked_array(chunks, type=column.type) if chunks else column


def _categorical(frame: pl.DataFrame) -> pl.DataFrame:
    """The detection columns of a frame, as _encoded() makes them of a table. A scan's frame
    is Categorical already: its columns are shared, not copied."""
    strings = [
        pl.col(name).cast(pl.Categorical)
        for name in DETECTION_COLUMNS
        if frame.schema[name] == pl.String
    ]
    frame = frame.select(DETECTION_COLUMNS).with_columns(strings)
    source = pl.col("source")
    if frame.select((source == "").any()).item():
        unknown = pl.lit(UNKNOWN_SOURCE, pl.Categorical)
        frame = frame.with_columns(pl.when(source == "").then(unknown).otherwise(source))
    return frame


def guesses(frame: pl.DataFrame) -> pl.DataFrame:
    """The guess rows: what spray, brute-force and stale-credential detectors count."""
    return frame.filter(pl.col("is_guess"))
