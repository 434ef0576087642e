"""Stale credentials: one account failing steadily from one internal host (benign, low).

A service, scheduled task, mapped drive or phone still holding an old password fails the
same account from the same internal machine all day. It is worth fixing (it causes lockouts)
but it is not an attack, so it is reported apart, at low severity, and kept out of brute force.
A person's own typos on their own PC add up too, over a month, but never to a day's worth:
the pair's busiest day must hold the failures.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta

import polars as pl

from phalanx.config.signins import SigninSettings
from phalanx.core.finding import Finding, Severity
from phalanx.signins.detectors.episodes import rows_in_episodes
from phalanx.signins.detectors.evidence import summarise
from phalanx.signins.detectors.explain import stale_explanation
from phalanx.signins.detectors.prepare import guesses
from phalanx.signins.detectors.report import episode_finding

KIND = "signins.stale_credentials"
MIN_SPAN = timedelta(hours=1)  # a burst is guessing; a steady drip all day is a stored password
DAY = timedelta(days=1)


def is_internal(source: str, kind: str) -> bool:
    if kind in ("host", "process"):
        return True
    try:
        return ipaddress.ip_address(source).is_private
    except ValueError:
        return False


def stale_pairs(frame: pl.DataFrame, settings: SigninSettings) -> pl.DataFrame:
    """(source, account, first, last, episode) of every stale-credential pair."""
    attempts = guesses(frame)
    if attempts.is_empty():
        return pl.DataFrame()
    pair = ["source", "source_kind", "account"]
    pairs = (
        attempts.group_by(*pair, pl.col("time").dt.truncate(DAY).alias("day"))
        .agg(failures=pl.len(), first=pl.col("time").min(), last=pl.col("time").max())
        .group_by(pair)
        .agg(
            busiest_day=pl.col("failures").max(),
            first=pl.col("first").min(),
            last=pl.col("last").max(),
        )
        .with_columns(accounts_from_source=pl.col("account").n_unique().over("source"))
    )
    candidates = pairs.filter(
        (pl.col("accounts_from_source") == 1)
        & (pl.col("busiest_day") >= settings.stale_credentials.min_failures)
        & ((pl.col("last") - pl.col("first")) >= MIN_SPAN)
    ).with_columns(pl.col("source", "account").cast(pl.String))
    internal = [
        is_internal(source, kind)
        for source, kind in candidates.select("source", "source_kind").iter_rows()
    ]
    return (
        candidates.filter(pl.Series(internal, dtype=pl.Boolean))
        .select("source", "account", "first", "last")
        .with_row_index("episode")
    )


def detect(frame: pl.DataFrame, settings: SigninSettings, pairs: pl.DataFrame) -> list[Finding]:
    if pairs.is_empty():
        return []
    rows = rows_in_episodes(guesses(frame), pairs, ["source", "account"])
    return [
        episode_finding(
            e,
            kind=KIND,
            severity=Severity.LOW,
            title=f"Stale password for {', '.join(e.accounts)} on {', '.join(e.sources)}",
            explanation=stale_explanation(e),
            technique=None,
            confidence="medium",
        )
        for e in sorted(summarise(rows).values(), key=lambda e: e.first)
    ]
