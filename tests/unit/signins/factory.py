"""Builds small sign-in tables for detector tests, in the one schema readers produce."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pyarrow as pa

from phalanx.signins.records import SignInBatches
from phalanx.signins.schema import SIGNIN_SCHEMA, FailureReason, Outcome, SourceKind

T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)


@dataclass
class Log:
    rows: SignInBatches = field(default_factory=lambda: SignInBatches("test.log"))

    def add(
        self,
        seconds: float,
        account: str,
        source: str,
        outcome: Outcome = Outcome.FAILURE,
        reason: FailureReason = FailureReason.BAD_PASSWORD,
        kind: SourceKind = SourceKind.IP,
        code: str = "",
        client: str | None = None,
    ) -> Log:
        if outcome in (Outcome.SUCCESS,):
            reason = FailureReason.NONE
        self.rows.add(
            time=T0 + timedelta(seconds=seconds),
            account=account,
            outcome=outcome,
            failure_reason=reason,
            source=source,
            source_kind=kind,
            code=code or None,
            log_source="test",
            record=self.rows.rows + 1,
            client=client,
        )
        return self

    def spray(
        self, source: str, accounts: int, start: float = 0, every: float = 10, prefix: str = "user"
    ) -> Log:
        for n in range(accounts):
            self.add(start + n * every, f"{prefix}{n}@example.org", source)
        return self

    def table(self) -> pa.Table:
        batch = self.rows.flush()
        return pa.Table.from_batches([batch] if batch else [], schema=SIGNIN_SCHEMA)
