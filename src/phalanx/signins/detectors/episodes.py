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
    def step_seconds(self) -> int:
        # Hopping windows a quarter of their length apart: any burst that fits in a window
        # is seen whole by one of them (up to a quarter-window edge), at 4x the work.
        return max(self.minutes * 60 // 4, 1)

    @property
    def step(self) -> str:
        return f"{self.step_seconds}s"

    @property
    def period(self) -> str:
        return f"{self.minutes * 60}s"

    @property
    def lead_in(self) -> str:
        """How far before a series' first row the first window holding it starts."""
        return f"-{self.minutes * 60 - self.step_seconds}s"


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
        start_by="window",
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


def rows_in_episodes(
    rows: pl.DataFrame, episodes: pl.DataFrame, by: Sequence[str], where: pl.Expr | None = None
) -> pl.DataFrame:
    """The rows (matching `where`) inside each episode, tagged with the episode's number."""
    if episodes.is_empty():
        return rows.clear().with_columns(pl.lit(0, pl.UInt32).alias(EPISODE))
    keys = list(by)
    episodes = episodes.with_columns(pl.col(k).cast(rows.schema[k]) for k in keys)
    # Pre-filter on the first key with is_in: a join over millions of quiet rows costs seconds.
    wanted_keys = pl.col(keys[0]).is_in(episodes.get_column(keys[0]).unique().implode())
    wanted = rows.filter(wanted_keys if where is None else wanted_keys & where)
    joined = wanted.join(episodes, on=keys, how="inner")
    inside = (pl.col("time") >= pl.col("first")) & (pl.col("time") <= pl.col("last"))
    return joined.filter(inside).drop("first", "last")


def episodes_over(
    rows: pl.DataFrame,
    by: Sequence[str],
    horizons: Sequence[Horizon],
    max_attempts_per_account: float | None = None,
) -> pl.DataFrame:
    """Episodes of `by` in which any of the horizons found a suspicious window."""
    found = []
    for horizon in horizons:
        candidates = able_to_qualify(rows, by, horizon).sort(*by, "time")
        windows = suspicious_windows(candidates, by, horizon, max_attempts_per_account)
        if not windows.is_empty():
            found.append(windows)
    if not found:
        return pl.DataFrame()
    return merge_windows(pl.concat(found), by)


def able_to_qualify(rows: pl.DataFrame, by: Sequence[str], horizon: Horizon) -> pl.DataFrame:
    """The rows that could be part of a suspicious window; sliding windows see only these.

    Any window of the horizon's length lies within two adjacent fixed buckets of that length,
    so a key whose two neighbouring buckets together stay under the thresholds cannot reach
    them: counting per bucket is a cheap hash aggregation, while sliding windows over every
    quiet source of a large organisation would cost seconds.
    """
    keys = [*by, "_bucket"]
    bucketed = rows.with_columns(_bucket=pl.col("time").dt.truncate(horizon.period))
    counts = bucketed.group_by(keys).agg(accounts=pl.col("account").n_unique(), attempts=pl.len())
    step = pl.duration(seconds=horizon.minutes * 60)
    able = counts
    for shift in (step, -step):
        neighbour = counts.with_columns(pl.col("_bucket") + shift)
        able = able.join(neighbour, on=keys, how="left", suffix=f"_{len(able.columns)}")
    pair_sums = []
    for suffix in [c.removeprefix("accounts") for c in able.columns if c.startswith("accounts_")]:
        both_accounts = pl.col("accounts") + pl.col(f"accounts{suffix}").fill_null(0)
        both_attempts = pl.col("attempts") + pl.col(f"attempts{suffix}").fill_null(0)
        pair_sums.append(
            (both_accounts >= horizon.min_accounts) & (both_attempts >= horizon.min_attempts)
        )
    keep = able.filter(pl.any_horizontal(pair_sums)).select(keys)
    return bucketed.join(keep, on=keys, how="semi").drop("_bucket")
