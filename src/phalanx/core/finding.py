"""One Finding type for the whole product.

Every capability (sign-ins, passwords, mail, ...) reports what it found as Findings, so the
reports, the store, sharing and the console handle one shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import Any


class Severity(IntEnum):
    """Ordered so that findings sort by how urgently someone should act."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of {names})") from None


@dataclass(frozen=True, slots=True)
class Evidence:
    """A pointer back to one original record, with the fields that made it count."""

    origin: str  # file (and member of an archive) the record came from
    record: int  # record number (evtx) or line number (text) inside it
    summary: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"origin": self.origin, "record": self.record, **dict(self.summary)}


@dataclass(frozen=True, slots=True)
class Indicator:
    """Something another defender can block or look for: an IP, a domain, a URL, a hash."""

    type: str  # "ipv4", "ipv6", "domain", "url", "sha256", "email", "hostname", "process"
    value: str

    def to_dict(self) -> dict[str, str]:
        return {"type": self.type, "value": self.value}


@dataclass(frozen=True, slots=True)
class Finding:
    """What a detector concluded, why, and what to do about it."""

    kind: str  # "<capability>.<what>", e.g. "signins.password_spray"
    severity: Severity
    title: str
    explanation: str  # plain English: why it fired and what to do
    technique: str | None = None  # MITRE ATT&CK technique id, e.g. "T1110.003"
    confidence: str = "medium"  # "high" | "medium" | "low"
    sources: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    compromised: tuple[str, ...] = ()
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    attempts: int = 0
    evidence: tuple[Evidence, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
        """What makes two findings the same, for de-duplication and suppressions."""
        return (self.kind, self.sources, self.accounts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "severity": self.severity.label,
            "title": self.title,
            "technique": self.technique,
            "confidence": self.confidence,
            "sources": list(self.sources),
            "accounts": list(self.accounts),
            "compromised": list(self.compromised),
            "first_seen": _iso(self.first_seen),
            "last_seen": _iso(self.last_seen),
            "attempts": self.attempts,
            "explanation": self.explanation,
            "indicators": [i.to_dict() for i in self.indicators],
            "details": dict(self.details),
            "evidence": [e.to_dict() for e in self.evidence],
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None
