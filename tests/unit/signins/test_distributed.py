"""Distributed sprays: one or two attempts per address, tied together by the tool's fingerprint."""

from __future__ import annotations

import random

from phalanx.config.signins import SigninSettings
from phalanx.signins.detect import detect_all
from phalanx.signins.schema import Outcome
from tests.unit.signins.factory import Log

DEFAULTS = SigninSettings()
HOUR = 3600.0
BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"
TOOL = "python-requests/2.31"


def benign_org(log: Log, users: int = 200, days: int = 4, seed: int = 3) -> None:
    """Each person from their own address, signing in daily; some mistype, a few give up."""
    rng = random.Random(seed)
    for day in range(days):
        for n in range(users):
            at = day * 24 * HOUR + 8 * HOUR + rng.random() * 9 * HOUR
            home = f"198.51.{n // 250}.{n % 250}"
            if rng.random() < 0.1:
                log.add(at - 30, f"u{n}@org", home, client=BROWSER)  # typo, then fine
            if rng.random() < 0.02:
                log.add(at - 60, f"u{n}@org", f"192.0.2.{n % 250}", client=BROWSER)  # gave up
            log.add(at, f"u{n}@org", home, Outcome.SUCCESS, client=BROWSER)


def rotated_spray(log: Log, accounts: int, sources: int, start: float, hours: float) -> None:
    for n in range(accounts):
        at = start + n * hours * HOUR / accounts
        log.add(at, f"u{n}@org", f"203.0.{(n % sources) // 250}.{(n % sources) % 250}", client=TOOL)


def test_spray_rotated_over_hundreds_of_addresses_is_one_finding() -> None:
    log = Log()
    benign_org(log)
    rotated_spray(log, accounts=150, sources=150, start=30 * HOUR, hours=10)
    log.add(34 * HOUR, "u5@org", "203.0.0.5", Outcome.SUCCESS, client=TOOL)
    findings = [
        f for f in detect_all(log.table(), DEFAULTS) if f.kind == "signins.distributed_spray"
    ]
    assert len(findings) == 1
    wave = findings[0]
    assert len(wave.accounts) == 150 and len(wave.sources) == 150
    assert TOOL in wave.details["fingerprint"]
    assert wave.compromised == ("u5",)
    assert wave.details["networks"] == {"203.0.0.0/24": 150}


def test_an_ordinary_organisation_gives_no_finding() -> None:
    log = Log()
    benign_org(log)
    assert detect_all(log.table(), DEFAULTS) == []


def test_few_accounts_from_many_addresses_is_not_a_wave() -> None:
    log = Log()
    benign_org(log)
    rotated_spray(log, accounts=12, sources=12, start=30 * HOUR, hours=10)
    assert [f.kind for f in detect_all(log.table(), DEFAULTS)] == []
