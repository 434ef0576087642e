"""Counting what could not be used, so nothing is dropped silently.

Every reader that skips a record, a line or a whole file says why here; the shells print the
counts per reason and the first few messages, and `--strict` turns any skip into an error exit.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

MAX_EXAMPLES = 20  # messages kept per input: enough to find the problem, bounded on huge inputs


@dataclass
class SkipLog:
    counts: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    def skip(self, reason: str, where: str, detail: str = "") -> None:
        """Count one skipped item; `where` names the file and record, e.g. "auth.log:17"."""
        self.counts[reason] += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(f"{where}: {reason}" + (f" ({detail})" if detail else ""))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def merge(self, other: SkipLog) -> None:
        self.counts.update(other.counts)
        room = MAX_EXAMPLES - len(self.examples)
        self.examples.extend(other.examples[: max(room, 0)])
