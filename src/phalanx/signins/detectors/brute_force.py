"""Brute force: many failed attempts against one account from one source (T1110.001)."""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from phalanx.config.signins import SigninSettings
from phalanx.core.finding import Finding, Severity
from phalanx.signins.detectors.episodes import (
    Horizon,
    episodes_over,
    merge_windows,
    rows_in_episodes,
)
from phalanx.signins.detectors.evidence import (
    Episode,
    attach_compromised,
    summarise,
)
from phalanx.signins.detectors.explain import brute_force_explanation
from phalanx.signins.detectors.prepare import guesses
from phalanx.signins.detectors.report import episode_finding
from phalanx.signins.schema import Outcome

KIND = "signins.brute_force"
TECHNIQUE = "T1110.001"


def detect(
    frame: pl.DataFrame, settings: SigninSettings, sprays: list[Finding], stale: pl.DataFrame
) -> list[Finding]:
    # Only attempts known to have failed: a 4648 (explicit credentials) says a logon was tried,
    # not that it failed, and Windows writes several per try.
    failed = guesses(frame).filter(pl.col("outcome") == Outcome.FAILURE.value)
    attempts = _without(failed, stale)
    params = settings.brute_force
    horizon = Horizon(params.window_minutes, min_accounts=1, min_attempts=params.min_failures)
    pairs = episodes_over(attempts, ["source", "account"], [horizon])
    if pairs.is_empty():
        return []
    pair_rows = rows_in_episodes(attempts, pairs, ["source", "account"])
    pair_rows = _outside_sprays(pair_rows, sprays, settings.spray.max_attempts_per_account)
    if pair_rows.is_empty():
        return []
    # One finding per source and stretch of time, however many accounts it hammered.
    spans = pair_rows.group_by("source", "episode").agg(
        first=pl.col("time").min(), last=pl.col("time").max()
    )
    episodes = merge_windows(spans.select("source", "first", "last"), ["source"])
    found = summarise(rows_in_episodes(pair_rows.drop("episode"), episodes, ["source"]))
    within = timedelta(hours=settings.success.within_hours)
    attach_compromised(frame, episodes, found, within, only_targeted=True)
    return [_finding(e, params.min_failures) for e in sorted(found.values(), key=lambda e: e.first)]


def _without(attempts: pl.DataFrame, stale: pl.DataFrame) -> pl.DataFrame:
    if stale.is_empty():
        return attempts
    keys = ["source", "account"]
    pairs = stale.select(pl.col(k).cast(attempts.schema[k]) for k in keys)
    return attempts.join(pairs, on=keys, how="anti")


def _outside_sprays(rows: pl.DataFrame, sprays: list[Finding], cap: float) -> pl.DataFrame:
    """Drops an account's attempts already explained as part of a spray from the same source.

    A sprayer trying a few passwords on each of 40 accounts is one spray, not 40 brute forces;
    only an account hammered beyond the spray's few-per-account pattern stays brute force.
    """
    if not sprays:
        return rows
    sprayed = pl.DataFrame(
        [(s, a, f.first_seen, f.last_seen) for f in sprays for s in f.sources for a in f.accounts],
        schema={
            "source": pl.String,
            "account": pl.String,
            "s_first": rows.schema["time"],
            "s_last": rows.schema["time"],
        },
        orient="row",
    ).with_columns(pl.col(k).cast(rows.schema[k]) for k in ("source", "account"))
    counts = rows.group_by("source", "account", "episode").agg(n=pl.len())
    tagged = rows.join(counts, on=["source", "account", "episode"]).join(
        sprayed, on=["source", "account"], how="left"
    )
    in_spray = (
        pl.col("s_first").is_not_null()
        & (pl.col("time") >= pl.col("s_first"))
        & (pl.col("time") <= pl.col("s_last"))
        & (pl.col("n") <= cap)
    )
    return tagged.filter(~in_spray).drop("n", "s_first", "s_last").unique(maintain_order=True)


def _finding(episode: Episode, min_failures: int) -> Finding:
    severity = Severity.CRITICAL if episode.compromised else Severity.MEDIUM
    confidence = "high" if episode.compromised or episode.attempts >= 4 * min_failures else "medium"
    return episode_finding(
        episode,
        kind=KIND,
        severity=severity,
        title=f"Brute force from {', '.join(episode.sources)} against "
        f"{', '.join(episode.accounts[:3])}{'…' if len(episode.accounts) > 3 else ''}",
        explanation=brute_force_explanation(episode),
        technique=TECHNIQUE,
        confidence=confidence,
    )
