"""One way to turn an episode into a Finding, whichever detector found it."""

from __future__ import annotations

from typing import Any

from phalanx.core.finding import Finding, Severity
from phalanx.signins.detectors.evidence import Episode, timeline_points
from phalanx.signins.detectors.explain import indicators_for


def episode_finding(
    episode: Episode,
    *,
    kind: str,
    severity: Severity,
    title: str,
    explanation: str,
    technique: str | None,
    confidence: str,
    **details: Any,
) -> Finding:
    """The fields every sign-in finding shares come from the episode; `details` add to them."""
    return Finding(
        kind=kind,
        severity=severity,
        title=title,
        explanation=explanation,
        technique=technique,
        confidence=confidence,
        sources=episode.sources,
        accounts=episode.accounts,
        compromised=tuple(sorted(episode.compromised)),
        first_seen=episode.first,
        last_seen=episode.last,
        attempts=episode.attempts,
        evidence=tuple(episode.evidence),
        indicators=indicators_for(episode),
        details={
            "source_kind": episode.source_kind,
            "failure_reasons": dict(episode.reasons),
            "targets": dict(episode.targets.most_common(10)),
            "compromised_how": dict(episode.compromised),
            "timeline": timeline_points(episode),
            **details,
        },
    )
