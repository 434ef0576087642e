"""Distributed sprays: many sources, each below every per-source threshold (T1110.003).

Sprays that rotate through hundreds of proxy or botnet addresses make one or two attempts per
address: per-source rules (Sigma, Hayabusa, Sentinel, Splunk, fail2ban, CrowdSec) never see
them. What ties the attempts together is the tool: the same client / user agent, protocol and
failure code, against many accounts, from many sources, and the targeted accounts do not go
on to sign in from those sources (typos do). A fingerprint whose failing accounts almost never
sign in with it is an attacker's; a legitimate client's failures need a surge over its own
baseline for the same hours of the week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from phalanx.config.signins import DistributedSettings, SigninSettings
from phalanx.core.finding import Finding, Severity
from phalanx.signins.detectors.episodes import EPISODE, Horizon, merge_windows, rows_in_episodes
from phalanx.signins.detectors.evidence import Episode, summarise
from phalanx.signins.detectors.explain import compromised_sentence, listing, span
from phalanx.signins.detectors.networks import top_networks
from phalanx.signins.detectors.report import episode_finding
from phalanx.signins.schema import FailureReason, Outcome

KIND = "signins.distributed_spray"
TECHNIQUE = "T1110.003"
FINGERPRINT = "fingerprint"
HISTORY_COLUMNS = (FINGERPRINT, "time", "account", "source")
WEEK = "week"  # 0: the hours under test; k: the same hours k weeks later (earlier if < 0)
ONE_WEEK = timedelta(weeks=1)
TYPO_GRACE = timedelta(hours=1)  # a failure its own source turns into a success this soon
_SPRAY_REASONS = [FailureReason.BAD_PASSWORD.value, FailureReason.UNKNOWN_ACCOUNT.value]


@dataclass(frozen=True)
class History:
    """Failures from before the frame that count towards the hour-of-week baseline: what a
    live watch keeps of the weeks it no longer retains whole (`history_rows`)."""

    rows: pl.DataFrame  # HISTORY_COLUMNS
    since: datetime  # the rows are complete from here on


def detect(
    frame: pl.DataFrame,
    settings: SigninSettings,
    explained: list[Finding],
    history: History | None = None,
) -> list[Finding]:
    params = settings.distributed
    light = _light_failures(frame, {s for f in explained for s in f.sources}, params)
    if light.is_empty():
        return []
    # Removing typos only lowers the counts: a window too small before is too small after, so
    # the costly typo join runs only over the rough waves (and the same hours of the other
    # weeks, their baseline).
    rough = _waves(_windows(light, params), params)
    if rough.is_empty():
        return []
    first, last = _input_span(frame)
    earlier, first = _before(history, first)
    failures, counted = _counted_failures(frame, light, rough, earlier, (first, last))
    windows = _judged_windows(frame, failures, counted, (first, last), params)
    tool = pl.col("success_share") <= params.max_success_share
    surge = pl.col("accounts") >= pl.col("baseline") * params.surge_factor
    flagged = windows.filter(tool | surge)
    waves = _waves(flagged, params)
    if waves.is_empty():
        return []
    rows = rows_in_episodes(failures, waves, [FINGERPRINT])
    found = summarise(rows)
    _attach_compromised(frame, rows, found, timedelta(hours=settings.success.within_hours))
    fingerprints = dict(waves.select(EPISODE, FINGERPRINT).iter_rows())
    why = _why(flagged, waves, params)
    by_wave = rows.partition_by(EPISODE, as_dict=True)
    return [
        _finding(e, fingerprints[e.number], why[e.number], top_networks(by_wave[(e.number,)]))
        for e in sorted(found.values(), key=lambda e: e.first)
    ]


def _counted_failures(
    frame: pl.DataFrame,
    light: pl.DataFrame,
    rough: pl.DataFrame,
    earlier: pl.DataFrame | None,
    span: tuple[datetime, datetime],
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The typo-free failures of the rough waves (to judge), and those of the same hours of
    every other week, the earlier history's included, tagged with their WEEK (to count)."""
    weeks = _same_hours_of_other_weeks(rough, *span)
    in_any = rows_in_episodes(
        light,
        merge_windows(weeks.select(FINGERPRINT, "first", "last"), [FINGERPRINT]),
        [FINGERPRINT],
    )
    typo_free = _drop_typos(frame, in_any.drop(EPISODE))
    tagged = rows_in_episodes(typo_free, weeks, [FINGERPRINT]).drop(EPISODE)
    failures = tagged.filter(pl.col(WEEK) == 0).drop(WEEK)
    counted = tagged.select(*HISTORY_COLUMNS, WEEK)
    if earlier is not None:
        before = rows_in_episodes(earlier, weeks, [FINGERPRINT]).select(*HISTORY_COLUMNS, WEEK)
        counted = pl.concat([counted, before.cast(counted.schema)])
    return failures, counted


def _judged_windows(
    frame: pl.DataFrame,
    failures: pl.DataFrame,
    counted: pl.DataFrame,
    span: tuple[datetime, datetime],
    params: DistributedSettings,
) -> pl.DataFrame:
    """Every window of the failures with what it is judged by: the fingerprint's success
    share, and its baseline (the same hours of other weeks, else the median day)."""
    tested = _windows(failures, params)
    return (
        tested.join(
            _fingerprint_profile(frame, failures, params.window_hours), on=FINGERPRINT, how="left"
        )
        .join(_weekly_baseline(tested, counted, span, params), on=[FINGERPRINT, "time"], how="left")
        .with_columns(
            pl.col("baseline_weeks").fill_null(0),
            baseline=pl.when(pl.col("baseline_weeks") > 0)
            .then(pl.col("weekly_baseline"))
            .otherwise(pl.col("daily_baseline")),
        )
    )


def history_rows(frame: pl.DataFrame, settings: SigninSettings) -> pl.DataFrame:
    """The frame's failures that a later hour-of-week baseline counts: bad passwords and
    unknown accounts from light sources, typos dropped (HISTORY_COLUMNS)."""
    light = _light_failures(frame, set(), settings.distributed)
    return _drop_typos(frame, light).select(*HISTORY_COLUMNS)


def _before(history: History | None, first: datetime) -> tuple[pl.DataFrame | None, datetime]:
    """The history's rows from before the frame, and where the baseline's weeks start."""
    if history is None:
        return None, first
    earlier = history.rows.filter(pl.col("time") < first)
    if earlier.is_empty():
        return None, first
    return earlier, min(first, history.since)


def fingerprint() -> pl.Expr:
    """What a spraying tool leaves the same on every attempt, whatever address it comes from."""
    return pl.concat_str(
        pl.col("log_source").cast(pl.String).str.split(":").list.first(),
        pl.col("protocol").cast(pl.String).fill_null(""),
        pl.col("client").cast(pl.String).fill_null(""),
        pl.col("target").cast(pl.String).fill_null(""),
        separator=" | ",
    )


def _light_failures(
    frame: pl.DataFrame, explained_sources: set[str], params: DistributedSettings
) -> pl.DataFrame:
    """Password failures from sources that stay under the per-source cap in their day and on
    average over the whole input, and that no per-source finding already explains: the raw
    material of a rotated spray."""
    failures = frame.filter(
        pl.col("is_guess")
        & (pl.col("outcome") == Outcome.FAILURE.value)
        & pl.col("failure_reason").is_in(_SPRAY_REASONS)
        & ~pl.col("source").is_in(list(explained_sources))
    )
    window = timedelta(hours=params.window_hours)
    day = pl.col("time").dt.truncate(window)
    per_source_day = pl.len().over("source", day)
    # The first and last days of an input are partial: a busy address seen for an hour there
    # stays under the day's cap, but not under its average over the whole input.
    first, last = _input_span(frame)
    days = max((last - first) / window, 1.0)
    per_source_input = pl.len().over("source")
    cap = params.max_attempts_per_source
    return failures.filter((per_source_day <= cap) & (per_source_input <= cap * days)).with_columns(
        fingerprint().alias(FINGERPRINT)
    )


def _drop_typos(frame: pl.DataFrame, failures: pl.DataFrame) -> pl.DataFrame:
    """Failures that their own source turns into a success within the hour are typos."""
    # Only the successes that can resolve a failure: same source and account, in the
    # TYPO_GRACE-long bucket of a failure or the next. Every success of the organisation's
    # users from their usual addresses would be millions of rows to sort and match.
    hour = pl.col("time").dt.truncate(TYPO_GRACE)
    failed_hours = failures.select("source", "account", hour.alias("_hour")).unique()
    near = pl.concat([failed_hours, failed_hours.with_columns(pl.col("_hour") + TYPO_GRACE)])
    successes = (
        frame.lazy()
        .filter(
            pl.col("is_success")
            & pl.col("source").is_in(failed_hours["source"].unique().implode())
            & pl.col("account").is_in(failed_hours["account"].unique().implode())
        )
        .select("source", "account", "time", hour.alias("_hour"))
        .join(near.lazy().unique(), on=["source", "account", "_hour"], how="semi")
        .select("source", "account", pl.col("time").alias("resolved_at"))
        .sort("resolved_at")
        .collect()
    )
    typo = failures.sort("time").join_asof(
        successes,
        left_on="time",
        right_on="resolved_at",
        by=["source", "account"],
        strategy="forward",
        tolerance=TYPO_GRACE,
        check_sortedness=False,  # sorted by time; Polars cannot verify it per group
    )
    return typo.filter(pl.col("resolved_at").is_null()).drop("resolved_at")


def _windows(
    failures: pl.DataFrame, params: DistributedSettings, by: tuple[str, ...] = (FINGERPRINT,)
) -> pl.DataFrame:
    horizon = Horizon(params.window_hours * 60, min_accounts=params.min_accounts)
    return (
        failures.sort(*by, "time")
        .group_by_dynamic(
            "time",
            every=horizon.step,
            period=horizon.period,
            # Polars starts the first window at the first row: windows that begin earlier and
            # hold it too are what another week's same hours are compared with.
            offset=horizon.lead_in,
            group_by=list(by),
            closed="left",
            start_by="window",
        )
        .agg(
            accounts=pl.col("account").n_unique(),
            sources=pl.col("source").n_unique(),
            attempts=pl.len(),
            first=pl.col("time").min(),
            last=pl.col("time").max(),
        )
    )


def _waves(windows: pl.DataFrame, params: DistributedSettings) -> pl.DataFrame:
    """(fingerprint, first, last, episode) of the windows big and spread enough to be waves."""
    wave = (
        (pl.col("accounts") >= params.min_accounts)
        & (pl.col("sources") >= params.min_sources)
        & (pl.col("attempts") <= pl.col("sources") * params.max_attempts_per_source)
    )
    flagged = windows.filter(wave)
    if flagged.is_empty():
        return pl.DataFrame()
    return merge_windows(flagged.select(FINGERPRINT, "first", "last"), [FINGERPRINT])


def _fingerprint_profile(frame: pl.DataFrame, failures: pl.DataFrame, hours: int) -> pl.DataFrame:
    """Per fingerprint: the share of its failing accounts that also sign in with it, and its
    median failing accounts per day over the whole input (quiet days count as zero): the
    baseline of an input too short to hold the same hours of another week."""
    failed = failures.select(FINGERPRINT, "account").unique()
    # Distinct (account, client...) first, the fingerprint's text after: an organisation's
    # millions of successes come down to a few thousand combinations.
    succeeded = (
        frame.lazy()
        .filter(
            pl.col("is_success") & pl.col("account").is_in(failed["account"].unique().implode())
        )
        .select("account", "log_source", "protocol", "client", "target")
        .unique()
        .select(fingerprint().alias(FINGERPRINT), "account")
        .unique()
        .collect()
    )
    share = (
        failed.join(succeeded.with_columns(ok=pl.lit(1)), on=[FINGERPRINT, "account"], how="left")
        .group_by(FINGERPRINT)
        .agg(success_share=pl.col("ok").fill_null(0).mean())
    )
    bucket = f"{hours}h"
    days = failures.select(pl.col("time").dt.truncate(bucket).n_unique()).item()
    first, last = _input_span(frame)
    periods = max(int((last - first) / timedelta(hours=hours)) + 1, int(days), 1)
    daily = failures.group_by(FINGERPRINT, pl.col("time").dt.truncate(bucket)).agg(
        n=pl.col("account").n_unique()
    )
    medians = [
        (name, _median_with_quiet_periods(counts, periods))
        for name, counts in daily.group_by(FINGERPRINT).agg(pl.col("n")).iter_rows()
    ]
    baseline = pl.DataFrame(
        medians, schema={FINGERPRINT: pl.String, "daily_baseline": pl.Float64}, orient="row"
    )
    return share.join(baseline, on=FINGERPRINT, how="left")


def _input_span(frame: pl.DataFrame) -> tuple[datetime, datetime]:
    first, last = frame.select(pl.col("time").min(), pl.col("time").max().alias("end")).row(0)
    return first, last


def _same_hours_of_other_weeks(
    rough: pl.DataFrame, first: datetime, last: datetime
) -> pl.DataFrame:
    """The rough waves (week 0) and the same hours of the week in every other week from
    `first` to `last` (week k: shifted by k weeks), one episode each: where a fingerprint's
    usual failures for those hours of the week are counted."""
    weeks = int((last - first) / ONE_WEEK) + 1
    copies = [
        rough.select(
            FINGERPRINT,
            pl.col("first") + k * ONE_WEEK,
            pl.col("last") + k * ONE_WEEK,
            pl.lit(k, pl.Int32).alias(WEEK),
        )
        for k in range(-weeks, weeks + 1)
    ]
    inside = (pl.col("last") >= first) & (pl.col("first") <= last)
    return pl.concat(copies).filter(inside).with_row_index(EPISODE)


def _weekly_baseline(
    windows: pl.DataFrame,
    tagged: pl.DataFrame,
    span: tuple[datetime, datetime],
    params: DistributedSettings,
) -> pl.DataFrame:
    """Per fingerprint and window: the median distinct failing accounts in the same window of
    the other weeks the input covers (a covered week with none counts as zero): the
    organisation's own baseline for that hour of the week. Monday morning's forgotten
    passwords are usual on Mondays, not on a Wednesday."""
    first, last = span
    weeks = int((last - first) / ONE_WEEK) + 1
    # Rows of week k moved back k weeks fall into the same windows (same epoch-aligned grid)
    # as the hours they are the baseline of.
    aligned = tagged.filter(pl.col(WEEK) != 0).with_columns(
        pl.col("time") - pl.duration(weeks=pl.col(WEEK))
    )
    others = _windows(aligned, params, by=(FINGERPRINT, WEEK)).select(
        FINGERPRINT, "time", WEEK, "accounts"
    )
    shift = pl.duration(weeks=pl.col(WEEK))
    covered = (
        windows.select(FINGERPRINT, "time", "first", "last")
        .join(
            pl.DataFrame(
                {WEEK: [k for k in range(-weeks, weeks + 1) if k]}, schema={WEEK: pl.Int32}
            ),
            how="cross",
        )
        # A week counts when the hours of the window's failures were watched in it: the
        # input (or the kept history) spans them.
        .filter((pl.col("first") + shift >= first) & (pl.col("last") + shift <= last))
        .drop("first", "last")
    )
    return (
        covered.join(others, on=[FINGERPRINT, "time", WEEK], how="left")
        .group_by(FINGERPRINT, "time")
        .agg(
            weekly_baseline=pl.col("accounts").fill_null(0).median().cast(pl.Float64),
            baseline_weeks=pl.len().cast(pl.Int32),
        )
    )


def _why(
    flagged: pl.DataFrame, waves: pl.DataFrame, params: DistributedSettings
) -> dict[int, dict[str, Any]]:
    """Per wave: its busiest window's counts, what they were compared with, and the share of
    the fingerprint's failing accounts that sign in with it."""
    inside = (pl.col("window_first") >= pl.col("first")) & (pl.col("window_last") <= pl.col("last"))
    busiest = (
        flagged.select(
            FINGERPRINT,
            pl.col("first").alias("window_first"),
            pl.col("last").alias("window_last"),
            "accounts",
            "baseline",
            "baseline_weeks",
            "success_share",
        )
        .join(waves, on=FINGERPRINT)
        .filter(inside)
        .sort("accounts", descending=True)
        .group_by(EPISODE, maintain_order=True)
        .first()
    )
    return {
        row[EPISODE]: {
            "busiest_window_accounts": row["accounts"],
            "usual_accounts": round(row["baseline"], 1),
            "usual_from": (
                f"the same hours of {row['baseline_weeks']} other week(s)"
                if row["baseline_weeks"]
                else "the median day of the input (less than two weeks of logs)"
            ),
            "success_share": round(row["success_share"], 3),
            "tool": row["success_share"] <= params.max_success_share,
        }
        for row in busiest.iter_rows(named=True)
    }


def _median_with_quiet_periods(counts: list[int], periods: int) -> float:
    values = sorted([0] * max(periods - len(counts), 0) + list(counts))
    middle = len(values) // 2
    return float(values[middle]) if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def _attach_compromised(
    frame: pl.DataFrame, rows: pl.DataFrame, found: dict[int, Episode], within: timedelta
) -> None:
    """A wave's target that then signs in (or passes the password check) from one of the
    wave's own sources has had its password guessed."""
    touched = rows.select("episode", "source", "account", "time")
    proven = frame.select("source", "account", "time", "outcome", "code", "is_proven").filter(
        pl.col("is_proven")
        & pl.col("source").is_in(touched["source"].unique().implode())
        & pl.col("account").is_in(touched["account"].unique().implode())
    )
    hits = touched.join(proven, on=["source", "account"], suffix="_ok").filter(
        (pl.col("time_ok") >= pl.col("time")) & (pl.col("time_ok") <= pl.col("time") + within)
    )
    for row in hits.sort("time_ok").iter_rows(named=True):
        episode = found[row["episode"]]
        how = "signed in" if row["outcome"] == "success" else f"password accepted ({row['code']})"
        episode.compromised.setdefault(
            row["account"], f"{how} at {row['time_ok']} from {row['source']}"
        )


def _finding(
    episode: Episode,
    fingerprint_text: str,
    why: dict[str, Any],
    networks: dict[str, dict[str, int]],
) -> Finding:
    sources, accounts = len(episode.sources), len(episode.accounts)
    explanation = (
        f"{accounts} accounts failed to sign in {span(episode)} from {sources} different "
        f"sources, {episode.attempts / sources:.1f} attempt(s) per source — too few for any "
        f"per-source rule — all with the same client fingerprint ({fingerprint_text}), and the "
        f"targeted accounts did not go on to sign in from those sources. "
        + _unusual(why)
        + "That is a password spray rotated through many addresses (proxies, botnets). "
        + compromised_sentence(episode)
        + f"Enforce MFA on the targeted accounts ({listing(list(episode.accounts))}); block "
        f"legacy authentication or the client if it is not used; consider blocking the busiest "
        f"networks ({_busiest(networks)})."
    )
    return episode_finding(
        episode,
        kind=KIND,
        severity=Severity.CRITICAL if episode.compromised else Severity.HIGH,
        title=f"Distributed password spray from {sources} sources against {accounts} accounts",
        explanation=explanation,
        technique=TECHNIQUE,
        confidence="medium",
        fingerprint=fingerprint_text,
        networks=networks,
        baseline={k: v for k, v in why.items() if k != "tool"},
    )


def _busiest(networks: dict[str, dict[str, int]], shown: int = 3) -> str:
    """ "203.0.113.0/24: 40 sources, AS64500: 120 sources" — the first few of each kind."""
    named = [
        f"{network}: {count} source{'s' if count > 1 else ''}"
        for kind in ("asns", "prefixes")
        for network, count in list(networks[kind].items())[:shown]
    ]
    return ", ".join(named) or "none: the sources are not addresses"


def _unusual(why: dict[str, Any]) -> str:
    if why["tool"]:
        return (
            f"Only {why['success_share']:.0%} of the accounts that fail with this fingerprint "
            f"ever sign in with it: it is a tool's, not your staff's. "
        )
    return (
        f"Staff do use this client, but {why['busiest_window_accounts']} failing accounts in a "
        f"day is a surge: it usually sees {why['usual_accounts']:g} (from {why['usual_from']}). "
    )
