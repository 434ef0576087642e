"""Summaries, evidence and the success join for episodes found by any detector."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import polars as pl

from phalanx.core.finding import Evidence
from phalanx.signins.detectors.episodes import EPISODE, rows_in_episodes

EVIDENCE_LIMIT = 100  # records per finding in reports; the counts always cover them all
_EVIDENCE_FIELDS = (
    "time",
    "account",
    "source",
    "outcome",
    "failure_reason",
    "code",
    "target",
    "log_source",
)


@dataclass
class Episode:
    """One suspicious stretch of activity, summarised for the finding that reports it."""

    number: int
    sources: tuple[str, ...]
    source_kind: str
    accounts: tuple[str, ...]
    attempts: int
    first: datetime
    last: datetime
    reasons: Counter[str]
    targets: Counter[str]
    evidence: list[Evidence] = field(default_factory=list)
    timeline: list[tuple[datetime, int]] = field(default_factory=list)  # attempts per time bin
    compromised: dict[str, str] = field(default_factory=dict)  # account -> how we know


def summarise(rows: pl.DataFrame) -> dict[int, Episode]:
    """Episode number -> Episode, from the rows tagged with their episode."""
    if rows.is_empty():
        return {}
    grouped = rows.group_by(EPISODE).agg(
        sources=pl.col("source").cast(pl.String).unique().sort(),
        source_kind=pl.col("source_kind").cast(pl.String).first(),
        accounts=pl.col("account").cast(pl.String).unique().sort(),
        attempts=pl.len(),
        first=pl.col("time").min(),
        last=pl.col("time").max(),
        reasons=pl.col("failure_reason"),
        targets=pl.col("target").drop_nulls(),
    )
    episodes = {
        row[EPISODE]: Episode(
            number=row[EPISODE],
            sources=tuple(row["sources"]),
            source_kind=row["source_kind"],
            accounts=tuple(row["accounts"]),
            attempts=row["attempts"],
            first=row["first"],
            last=row["last"],
            reasons=Counter(row["reasons"]),
            targets=Counter(row["targets"]),
        )
        for row in grouped.iter_rows(named=True)
    }
    _attach_evidence(rows, episodes)
    _attach_timeline(rows, episodes)
    return episodes


TIMELINE_BINS = 40


def _attach_timeline(rows: pl.DataFrame, episodes: dict[int, Episode]) -> None:
    """Attempts per bin over each episode's span, for the report's chart (counted, not sampled)."""
    bounds = rows.group_by(EPISODE).agg(
        start=pl.col("time").min(), width=(pl.col("time").max() - pl.col("time").min())
    )
    binned = (
        rows.join(bounds, on=EPISODE)
        .with_columns(
            bin=(
                (pl.col("time") - pl.col("start")).dt.total_microseconds()
                * TIMELINE_BINS
                // (pl.col("width").dt.total_microseconds() + 1)
            )
        )
        .group_by(EPISODE, "bin", "start", "width")
        .agg(n=pl.len())
        .sort(EPISODE, "bin")
    )
    for row in binned.iter_rows(named=True):
        offset = row["width"] * row["bin"] / TIMELINE_BINS
        episodes[row[EPISODE]].timeline.append((row["start"] + offset, row["n"]))


def _attach_evidence(rows: pl.DataFrame, episodes: dict[int, Episode]) -> None:
    first_rows = rows.sort("time").group_by(EPISODE, maintain_order=True).head(EVIDENCE_LIMIT)
    for row in first_rows.iter_rows(named=True):
        summary = {name: _plain(row[name]) for name in _EVIDENCE_FIELDS}
        episodes[row[EPISODE]].evidence.append(Evidence(row["origin"], row["record"], summary))


def _plain(value: object) -> object:
    return value.isoformat().replace("+00:00", "Z") if isinstance(value, datetime) else value


def attach_compromised(
    frame: pl.DataFrame,
    episodes_by_source: pl.DataFrame,
    found: dict[int, Episode],
    within: timedelta,
    only_targeted: bool,
) -> None:
    """Marks the accounts whose password the attacker got right during or after each episode.

    Proof is a success, or a sign-in stopped after the password was checked (MFA/CA required),
    from one of the episode's own sources, between its first attempt and `within` after its last.
    Hours, not seconds: a sprayer often comes back later to use what worked.
    """
    if episodes_by_source.is_empty() or not found:
        return
    # Only the episodes still reported: a dropped one (a shared egress) may hold a NAT address
    # through which thousands sign in every hour.
    kept = episodes_by_source.filter(pl.col(EPISODE).is_in(list(found)))
    stretched = kept.with_columns(pl.col("last") + within)
    columns = frame.select(*dict.fromkeys((*_EVIDENCE_FIELDS, "origin", "record", "is_proven")))
    hits = rows_in_episodes(columns, stretched, ["source"], where=pl.col("is_proven")).sort("time")
    for row in hits.iter_rows(named=True):
        episode = found.get(row[EPISODE])
        if episode is None or row["account"] in episode.compromised:
            continue
        if only_targeted and row["account"] not in episode.accounts:
            continue
        how = "signed in" if row["outcome"] == "success" else f"password accepted ({row['code']})"
        episode.compromised[row["account"]] = f"{how} at {_plain(row['time'])} from {row['source']}"
        if len(episode.evidence) < EVIDENCE_LIMIT * 2:
            summary = {name: _plain(row[name]) for name in _EVIDENCE_FIELDS}
            episode.evidence.append(Evidence(row["origin"], row["record"], summary))


def timeline_points(episode: Episode) -> list[dict[str, object]]:
    return [{"start": _plain(moment), "attempts": n} for moment, n in episode.timeline]
