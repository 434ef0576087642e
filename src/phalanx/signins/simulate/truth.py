"""The ground truth written beside generated logs: what was planted, by whom, against whom, when."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson


@dataclass(frozen=True, slots=True)
class PlantedAttack:
    """One labelled attack (or labelled benign pattern) in generated logs.

    `kind` is the finding kind a detector should raise for it ("signins.password_spray"...);
    `type` says which scenario planted it ("burst_spray", "low_and_slow_spray"...).
    Accounts are normalised as the sign-in schema holds them: lower case, no domain.
    """

    id: str
    type: str
    kind: str
    sources: tuple[str, ...]
    accounts: tuple[str, ...]
    compromised: tuple[str, ...]
    start: datetime
    end: datetime
    logs: tuple[str, ...]  # the files it was written to
    attempts: int
    benign: bool = False  # a labelled benign pattern (stale password): low severity, not an attack
    description: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "kind": self.kind,
            "sources": list(self.sources),
            "accounts": list(self.accounts),
            "compromised": list(self.compromised),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "logs": list(self.logs),
            "attempts": self.attempts,
            "benign": self.benign,
            "description": self.description,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PlantedAttack:
        return cls(
            id=str(data["id"]),
            type=str(data["type"]),
            kind=str(data["kind"]),
            sources=tuple(data["sources"]),
            accounts=tuple(data["accounts"]),
            compromised=tuple(data["compromised"]),
            start=datetime.fromisoformat(data["start"]),
            end=datetime.fromisoformat(data["end"]),
            logs=tuple(data["logs"]),
            attempts=int(data["attempts"]),
            benign=bool(data.get("benign", False)),
            description=str(data.get("description", "")),
        )


@dataclass(frozen=True)
class Truth:
    """Everything planted in one generated data set, and how many events of each log."""

    seed: int
    start: datetime
    end: datetime
    attacks: tuple[PlantedAttack, ...]
    events: dict[str, int] = field(default_factory=dict)  # file name -> sign-in events written

    @property
    def benign_events(self) -> int:
        return sum(self.events.values()) - sum(a.attempts for a in self.attacks if not a.benign)

    def by_type(self, attack_type: str) -> list[PlantedAttack]:
        return [a for a in self.attacks if a.type == attack_type]

    def to_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "events": dict(self.events),
            "attacks": [a.to_dict() for a in self.attacks],
        }

    def write_json(self, path: Path) -> None:
        path.write_bytes(orjson.dumps(self.to_dict(), option=orjson.OPT_INDENT_2) + b"\n")

    @classmethod
    def read_json(cls, path: Path) -> Truth:
        data = orjson.loads(path.read_bytes())
        return cls(
            seed=int(data["seed"]),
            start=datetime.fromisoformat(data["start"]),
            end=datetime.fromisoformat(data["end"]),
            attacks=tuple(PlantedAttack.from_dict(a) for a in data["attacks"]),
            events={str(k): int(v) for k, v in data["events"].items()},
        )


def span(times: Sequence[datetime]) -> tuple[datetime, datetime]:
    """First and last time, to the second: the resolution every log format here writes."""
    return min(times).replace(microsecond=0), max(times).replace(microsecond=0)
