"""Windows and episodes: the shared mechanics of every threshold detector.

A detector says which rows count and what a window must hold to be suspicious; this module
slides the windows, merges the suspicious ones that touch into episodes (one finding each),
and pulls the episode's rows back out for counts, evidence and the success join.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

EPISODE = "episode"


@dataclass(frozen=True)
class Horizon:
    minutes: int
    min_accounts: int = 0
    min_attempts: int = 0

    @property
    def step(self) -> str:
        # Hopping windows a quarter of their length apart: any burst that fits in a window
        # is seen whole by one of them (up to a quarter-window edge), at 4x the work.
        return f"{max(self.minutes * 60 // 4, 1)}s"

    @property
    def period(self) -> str:
        return f"{self.minutes * 60}s"


def suspicious_windows(
    rows: pl.DataFrame, by: Sequence[str], horizon: Horizon, max_attempts_per_account: float | None
) -> pl.DataFrame:
    """(by..., first, last) of every window holding enough distinct accounts and attempts.

    `rows` are the counted rows only, sorted by `by` then time.
    """
    if rows.is_empty():
        return pl.DataFrame()
    windows = rows.group_by_dynamic(
        "time",
        every=horizon.step,
        period=horizon.period,
        group_by=list(by),
        closed="left",
        start_by="datapoint",
    ).agg(
        accounts=pl.col("account").n_unique(),
        attempts=pl.len(),
        first=pl.col("time").min(),
        last=pl.col("time").max(),
    )
    keep = (pl.col("accounts") >= horizon.min_accounts) & (
        pl.col("attempts") >= horizon.min_attempts
    )
    if max_attempts_per_account is not None:
        keep &= pl.col("attempts") <= pl.col("accounts") * max_attempts_per_account
    return windows.filter(keep).select(*by, "first", "last")


def merge_windows(windows: pl.DataFrame, by: Sequence[str]) -> pl.DataFrame:
    """Overlapping windows of one key become one episode: (by..., first, last, episode)."""
    if windows.is_empty():
        return windows
    ordered = windows.sort(*by, "first")
    reach = pl.col("last").cum_max().shift(1).over(list(by))
    starts = reach.is_null() | (pl.col("first") > reach)
    return (
        ordered.with_columns(starts.cast(pl.Int32).cum_sum().over(list(by)).alias("_n"))
        .group_by(*by, "_n", maintain_order=True)
        .agg(first=pl.col("first").min(), last=pl.col("last").max())
        .drop("_n")
        .with_row_index(EPISODE)
    )


def rows_in_episodes(rows: pl.DataFrame, episodes: pl.DataFrame, by: Sequence[str]) -> pl.DataFrame:
    """The rows that fall inside each episode, tagged with the episode's number."""
    if episodes.is_empty():
        return rows.clear().with_columns(pl.lit(0, pl.UInt32).alias(EPISODE))
    joined = rows.join(episodes, on=list(by), how="inner")
    inside = (pl.col("time") >= pl.col("first")) & (pl.col("time") <= pl.col("last"))
    return joined.filter(inside).drop("first", "last")


def episodes_over(
    rows: pl.DataFrame,
    by: Sequence[str],
    horizons: Sequence[Horizon],
    max_attempts_per_account: float | None = None,
) -> pl.DataFrame:
    """Episodes of `by` in which any of the horizons found a suspicious window."""
    found = [suspicious_windows(rows, by, h, max_attempts_per_account) for h in horizons]
    found = [w for w in found if not w.is_empty()]
    if not found:
        return pl.DataFrame()
    return merge_windows(pl.concat(found), by)
