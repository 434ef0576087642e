"""Distributed sprays: one or two attempts per address, tied together by the tool's fingerprint."""

from __future__ import annotations

import random
from datetime import timedelta

import polars as pl

from phalanx.config.signins import SigninSettings
from phalanx.core.finding import Finding
from phalanx.signins.detect import detect_all
from phalanx.signins.detectors.distributed import History, history_rows
from phalanx.signins.detectors.prepare import prepare
from phalanx.signins.schema import Outcome
from tests.unit.signins.factory import T0, Log

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
    assert wave.details["networks"] == {"prefixes": {"203.0.0.0/24": 150}, "asns": {}}
    assert "203.0.0.0/24: 150 sources" in wave.explanation


def test_an_ordinary_organisation_gives_no_finding() -> None:
    log = Log()
    benign_org(log)
    assert detect_all(log.table(), DEFAULTS) == []


def test_few_accounts_from_many_addresses_is_not_a_wave() -> None:
    log = Log()
    benign_org(log)
    rotated_spray(log, accounts=12, sources=12, start=30 * HOUR, hours=10)
    assert [f.kind for f in detect_all(log.table(), DEFAULTS)] == []


def mondays_forgotten(log: Log, weeks: int, users: int = 40) -> None:
    """Every Monday morning 40 people fail with their browser after the weekend, from their
    own addresses, and only get in hours later (after a reset): usual, but only on Mondays."""
    for week in range(weeks):
        for n in range(users):
            at = week * 7 * 24 * HOUR + 8 * HOUR + n * 60
            home = f"198.51.{n // 250}.{n % 250}"
            log.add(at, f"u{n}@org", home, client=BROWSER)
            log.add(at + 3 * HOUR, f"u{n}@org", home, Outcome.SUCCESS, client=BROWSER)


def browser_spray(log: Log, start: float, accounts: int, every: float = 300) -> None:
    """A spray whose tool sends a common browser's user agent, one address per attempt."""
    for n in range(accounts):
        log.add(start + n * every, f"u{100 + n}@org", f"203.0.113.{n}", client=BROWSER)


def waves(log: Log) -> list[Finding]:
    return [f for f in detect_all(log.table(), DEFAULTS) if f.kind == "signins.distributed_spray"]


def test_a_surge_usual_for_that_hour_of_the_week_is_not_a_wave() -> None:
    log = Log()
    benign_org(log, days=21)
    mondays_forgotten(log, weeks=3)
    assert waves(log) == []


def test_the_same_surge_on_another_day_of_the_week_is_a_wave() -> None:
    log = Log()
    benign_org(log, days=21)
    mondays_forgotten(log, weeks=3)
    browser_spray(log, start=(7 + 2) * 24 * HOUR + 9 * HOUR, accounts=40)  # week 2, Wednesday
    [wave] = waves(log)
    # the day's few benign give-ups with the same browser fall inside the wave's hours too
    assert set(wave.accounts) >= {f"u{100 + n}" for n in range(40)}
    assert len(wave.accounts) <= 50
    baseline = wave.details["baseline"]
    assert baseline["usual_from"] == "the same hours of 2 other week(s)"
    assert baseline["usual_accounts"] < 40 / DEFAULTS.distributed.surge_factor
    assert "usually sees" in wave.explanation


def test_a_spray_three_times_mondays_usual_is_a_wave_even_on_a_monday() -> None:
    log = Log()
    benign_org(log, days=21)
    mondays_forgotten(log, weeks=3)
    # week 2, Monday, in the very hour of the usual forgotten passwords
    browser_spray(log, start=7 * 24 * HOUR + 8 * HOUR, accounts=130, every=20)
    [wave] = waves(log)
    assert set(wave.accounts) >= {f"u{100 + n}" for n in range(130)}
    assert wave.details["baseline"]["usual_accounts"] >= 40


def test_without_another_week_the_median_day_is_the_baseline() -> None:
    log = Log()
    benign_org(log, days=5)
    browser_spray(log, start=2 * 24 * HOUR + 9 * HOUR, accounts=40)
    [wave] = waves(log)
    assert wave.details["baseline"]["usual_from"].startswith("the median day")


def test_a_watch_history_of_earlier_weeks_is_the_baseline_of_a_later_frame() -> None:
    """A live watch retains two days whole; what it keeps of earlier weeks makes Monday's
    usual failures usual again, as a scan of the whole three weeks finds them."""
    log = Log()
    benign_org(log, days=21)
    mondays_forgotten(log, weeks=3)
    frame = prepare(log.table(), {})
    third_week = T0 + timedelta(days=14) - timedelta(hours=T0.hour)
    earlier, recent = (
        frame.filter(pl.col("time") < third_week),
        frame.filter(pl.col("time") >= third_week),
    )
    assert [f.kind for f in detect_all(recent, DEFAULTS)] == ["signins.distributed_spray"]
    history = History(history_rows(earlier, DEFAULTS), since=T0)
    assert detect_all(recent, DEFAULTS, history) == []
