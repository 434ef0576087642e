"""Okta System Log: LogEvent objects as the API returns them (a JSON array) or one a line.

user.session.start and user.authentication.* events are sign-ins: outcome.result SUCCESS is
a success; FAILURE/DENY a failure whose reason comes from outcome.reason
(INVALID_CREDENTIALS and VERIFICATION_ERROR are wrong passwords, LOCKED_OUT a lockout, an
unknown user an unknown account). user.account.lock is a lockout. Other events (Okta
ThreatInsight's security.threat.detected among them) are records, not sign-ins. The source's
autonomous system is securityContext.asNumber (an integer; asOrg names it).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import orjson
import pyarrow as pa

from phalanx.config.signins import SigninSettings
from phalanx.signins.readers.base import InputFile, InputStats
from phalanx.signins.records import NOT_A_SIGNIN, SignInBatches, normalise_asn, pick_source
from phalanx.signins.schema import FailureReason, Outcome

NAME = "okta"
_SIGN_IN_EVENTS = ("user.session.start", "user.authentication.", "user.account.lock")
_REASONS = {
    "INVALID_CREDENTIALS": FailureReason.BAD_PASSWORD,
    "VERIFICATION_ERROR": FailureReason.BAD_PASSWORD,
    "LOCKED_OUT": FailureReason.LOCKED_OUT,
    "UNKNOWN_USER": FailureReason.UNKNOWN_ACCOUNT,
    "USER NOT FOUND": FailureReason.UNKNOWN_ACCOUNT,
}


def sniff(head: bytes, name: str) -> bool:
    return b'"eventType"' in head and b'"actor"' in head and b'"published"' in head


def read(
    source: InputFile, stats: InputStats, settings: SigninSettings
) -> Iterator[pa.RecordBatch]:
    batches = SignInBatches(source.name)
    events = _events(source.read_bytes(), stats)
    yield from batches.consume(events, stats, lambda event, n: _add(batches, event, n))


def _events(data: bytes, stats: InputStats) -> Iterator[tuple[int, Any]]:
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError:
        for number, line in enumerate(data.splitlines(), start=1):
            if line.strip():
                try:
                    yield number, orjson.loads(line)
                except orjson.JSONDecodeError:
                    stats.records += 1
                    stats.skip("invalid_json", number)
        return
    yield from enumerate(document if isinstance(document, list) else [document], start=1)


def _add(batches: SignInBatches, event: Any, number: int) -> str | None:
    if not isinstance(event, Mapping):
        return "not_an_object"
    kind = str(event.get("eventType") or "")
    if not kind.startswith(_SIGN_IN_EVENTS):
        return NOT_A_SIGNIN
    actor = event.get("actor") if isinstance(event.get("actor"), Mapping) else {}
    client = event.get("client") if isinstance(event.get("client"), Mapping) else {}
    result = event.get("outcome") if isinstance(event.get("outcome"), Mapping) else {}
    assert isinstance(actor, Mapping) and isinstance(client, Mapping)
    assert isinstance(result, Mapping)
    account = str(actor.get("alternateId") or "").strip()
    if not account:
        return "no_account"
    try:
        moment = datetime.fromisoformat(str(event.get("published")).replace("Z", "+00:00"))
    except ValueError:
        return "bad_time"
    outcome, reason = _outcome(kind, result)
    source, source_kind = pick_source(str(client.get("ipAddress") or "") or None)
    agent = client.get("userAgent") if isinstance(client.get("userAgent"), Mapping) else {}
    context = event.get("securityContext")
    assert isinstance(agent, Mapping)
    batches.add(
        time=moment,
        account=account,
        outcome=outcome,
        failure_reason=reason,
        source=source,
        source_kind=source_kind,
        asn=normalise_asn(context.get("asNumber")) if isinstance(context, Mapping) else None,
        target=str(event.get("displayMessage") or "") or None,
        code=str(result.get("reason") or result.get("result") or "") or None,
        protocol="okta",
        client=str(agent.get("rawUserAgent") or "") or None,
        log_source=f"{NAME}:{kind}",
        record=number,
    )
    return None


def _outcome(kind: str, result: Mapping[str, Any]) -> tuple[Outcome, FailureReason]:
    if kind == "user.account.lock":
        return Outcome.FAILURE, FailureReason.LOCKED_OUT
    if str(result.get("result") or "").upper() == "SUCCESS":
        return Outcome.SUCCESS, FailureReason.NONE
    text = str(result.get("reason") or "").upper()
    return Outcome.FAILURE, _REASONS.get(text, FailureReason.OTHER)
