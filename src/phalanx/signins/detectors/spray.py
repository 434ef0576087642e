"""Password spraying: one source, many distinct accounts, few attempts each (T1110.003).

Two horizons by default, a burst (30 min) and a day, so both a Kerbrute run and a spray slowed
down to stay under lockout thresholds are seen. Kerberos pre-authentication, NTLM, explicit
credentials (4648) and unknown-account guessing (Kerbrute user enumeration) all count.
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from phalanx.config.signins import SigninSettings
from phalanx.core.finding import Finding, Severity
from phalanx.signins.detectors.episodes import Horizon, episodes_over, rows_in_episodes
from phalanx.signins.detectors.evidence import (
    Episode,
    attach_compromised,
    summarise,
)
from phalanx.signins.detectors.explain import spray_explanation
from phalanx.signins.detectors.prepare import guesses
from phalanx.signins.detectors.report import episode_finding

KIND = "signins.password_spray"
TECHNIQUE = "T1110.003"
# A shared egress (NAT, VPN, proxy) also shows many accounts failing: but there nearly every
# one of them signs in a moment later. A sprayer's targets mostly never do.
MAX_RESOLVED_SHARE = 0.5
RESOLVE_GRACE = timedelta(hours=1)
_SLICE_ROWS = 1_000_000


def detect(frame: pl.DataFrame, settings: SigninSettings) -> list[Finding]:
    attempts = guesses(frame)
    horizons = [Horizon(w.minutes, min_accounts=w.min_accounts) for w in settings.spray.windows]
    episodes = episodes_over(
        attempts, ["source"], horizons, settings.spray.max_attempts_per_account
    )
    if episodes.is_empty():
        return []
    found = summarise(rows_in_episodes(attempts, episodes, ["source"]))
    _drop_shared_egress(frame, episodes, found)
    within = timedelta(hours=settings.success.within_hours)
    attach_compromised(frame, episodes, found, within, only_targeted=False)
    return [_finding(e) for e in sorted(found.values(), key=lambda e: e.first)]


def _drop_shared_egress(
    frame: pl.DataFrame, episodes: pl.DataFrame, found: dict[int, Episode]
) -> None:
    grace = episodes.with_columns(pl.col("last") + RESOLVE_GRACE)
    successes = frame.select("source", "time", "account", "is_success")
    resolved: dict[int, set[str]] = {}
    # A slice at a time: through a NAT address thousands sign in, and joining all of its
    # successes to its episodes at once holds millions of rows.
    for start in range(0, successes.height, _SLICE_ROWS):
        inside = rows_in_episodes(
            successes.slice(start, _SLICE_ROWS), grace, ["source"], where=pl.col("is_success")
        )
        for episode, accounts in (
            inside.group_by("episode").agg(pl.col("account").cast(pl.String).unique()).iter_rows()
        ):
            resolved.setdefault(episode, set()).update(accounts)
    for number, accounts in resolved.items():
        episode = found.get(number)
        if episode is None:
            continue
        share = len(accounts & set(episode.accounts)) / len(episode.accounts)
        if share >= MAX_RESOLVED_SHARE:
            del found[number]


def _finding(episode: Episode) -> Finding:
    unknown = episode.reasons.get("unknown_account", 0)
    enumeration = unknown * 2 > episode.attempts
    severity = Severity.CRITICAL if episode.compromised else Severity.HIGH
    confidence = "high" if episode.compromised or len(episode.accounts) >= 20 else "medium"
    return episode_finding(
        episode,
        kind=KIND,
        severity=severity,
        title=f"Password spray from {', '.join(episode.sources)} against "
        f"{len(episode.accounts)} accounts",
        explanation=spray_explanation(episode, enumeration),
        technique=TECHNIQUE,
        confidence=confidence,
        user_enumeration=enumeration,
    )
