"""Detector behaviour on small, hand-built sign-in tables: attacks found, noise left alone."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from phalanx.config import from_mapping
from phalanx.config.signins import SigninSettings
from phalanx.core.finding import Finding, Severity
from phalanx.signins.detect import detect_all
from phalanx.signins.detectors import episodes
from phalanx.signins.schema import FailureReason, Outcome, SourceKind
from phalanx.signins.tune import tune
from tests.unit.signins.factory import Log

DEFAULTS = SigninSettings()
HOUR = 3600.0


def kinds(findings: list[Finding]) -> list[str]:
    return [f.kind for f in findings]


def only(findings: list[Finding], kind: str) -> Finding:
    matching = [f for f in findings if f.kind == kind]
    assert len(matching) == 1, kinds(findings)
    return matching[0]


def test_burst_spray_is_found_with_its_sources_and_accounts() -> None:
    findings = detect_all(Log().spray("203.0.113.5", 25).table(), DEFAULTS)
    spray = only(findings, "signins.password_spray")
    assert spray.sources == ("203.0.113.5",)
    assert len(spray.accounts) == 25 and spray.attempts == 25
    assert spray.technique == "T1110.003" and spray.severity is Severity.HIGH
    assert spray.compromised == ()
    assert "block 203.0.113.5" in spray.explanation


def test_success_hours_after_the_spray_marks_the_account_compromised() -> None:
    log = Log().spray("203.0.113.5", 25)
    log.add(3 * HOUR, "user7@example.org", "203.0.113.5", Outcome.SUCCESS)
    log.add(3 * HOUR, "user8@example.org", "198.51.100.1", Outcome.SUCCESS)  # another source
    spray = only(detect_all(log.table(), DEFAULTS), "signins.password_spray")
    assert spray.compromised == ("user7",)
    assert spray.severity is Severity.CRITICAL
    assert "user7" in spray.explanation and "Reset" in spray.explanation


def test_password_proven_by_mfa_prompt_counts_as_compromised() -> None:
    log = Log().spray("203.0.113.5", 25)
    log.add(
        300,
        "user30@example.org",
        "203.0.113.5",
        Outcome.PASSWORD_VALID,
        FailureReason.MFA_REQUIRED,
        code="50074",
    )
    spray = only(detect_all(log.table(), DEFAULTS), "signins.password_spray")
    assert spray.compromised == ("user30",)
    assert "50074" in spray.details["compromised_how"]["user30"]


def test_success_long_after_the_window_is_not_blamed_on_the_spray() -> None:
    log = Log().spray("203.0.113.5", 25)
    log.add(30 * HOUR, "user3@example.org", "203.0.113.5", Outcome.SUCCESS)
    assert only(detect_all(log.table(), DEFAULTS), "signins.password_spray").compromised == ()


def test_low_and_slow_spray_over_a_day_is_found() -> None:
    log = Log()
    for n in range(14):  # one account every 90 minutes: never 8 in any half hour
        log.add(n * 1.5 * HOUR, f"staff{n}@example.org", "192.0.2.44")
    spray = only(detect_all(log.table(), DEFAULTS), "signins.password_spray")
    assert len(spray.accounts) == 14


def test_typos_behind_a_shared_nat_are_not_a_spray() -> None:
    log = Log()
    for n in range(30):  # 30 people mistype once, then sign in, all through one egress IP
        log.add(n * 60, f"p{n}@example.org", "192.0.2.10")
        log.add(n * 60 + 20, f"p{n}@example.org", "192.0.2.10", Outcome.SUCCESS)
    assert detect_all(log.table(), DEFAULTS) == []


def test_single_typo_then_success_is_nothing() -> None:
    log = Log().add(0, "ieuser", "10.0.0.5").add(2, "ieuser", "10.0.0.5", Outcome.SUCCESS)
    assert detect_all(log.table(), DEFAULTS) == []


def test_logon_right_restrictions_are_not_guesses() -> None:
    log = Log()
    for n in range(20):
        log.add(n, f"user{n}", "10.0.0.9", reason=FailureReason.RESTRICTED)
    assert detect_all(log.table(), DEFAULTS) == []


def test_machine_accounts_are_ignored() -> None:
    log = Log()
    for n in range(20):
        log.add(n, f"WS{n}$", "10.0.0.9")
    assert detect_all(log.table(), DEFAULTS) == []


def test_brute_force_against_one_account() -> None:
    log = Log()
    for n in range(30):
        log.add(n * 2, "root", "198.51.100.7", reason=FailureReason.BAD_PASSWORD)
    log.add(100, "root", "198.51.100.7", Outcome.SUCCESS)
    brute = only(detect_all(log.table(), DEFAULTS), "signins.brute_force")
    assert brute.sources == ("198.51.100.7",) and brute.accounts == ("root",)
    assert brute.attempts == 30 and brute.technique == "T1110.001"
    assert brute.compromised == ("root",) and brute.severity is Severity.CRITICAL


def test_four_failures_are_not_brute_force() -> None:
    log = Log()
    for n in range(4):
        log.add(n * 30, "alice", "198.51.100.7")
    assert detect_all(log.table(), DEFAULTS) == []


def test_a_spray_is_not_also_reported_as_brute_force_on_each_account() -> None:
    log = Log()
    for attempt in range(7):  # 4648-style: seven events per target account
        log.spray("WORKSTATION1", 20, start=attempt, every=12)
    findings = detect_all(log.table(), DEFAULTS)
    assert kinds(findings) == ["signins.password_spray"]


def test_stale_service_password_is_low_severity_not_brute_force() -> None:
    log = Log()
    for n in range(40):
        log.add(n * 900, "svc_backup", "10.1.2.3")
    stale = only(detect_all(log.table(), DEFAULTS), "signins.stale_credentials")
    assert stale.severity is Severity.LOW and stale.accounts == ("svc_backup",)


def test_an_explanation_spanning_days_gives_the_last_day_too() -> None:
    log = Log()
    for n in range(120):  # every 15 minutes for 30 hours, from 09:00 on 4 March
        log.add(n * 900, "svc_backup", "10.1.2.3")
    stale = only(detect_all(log.table(), DEFAULTS), "signins.stale_credentials")
    assert "between 2024-03-04 09:00:00 and 2024-03-05 14:45:00 UTC (29.8 hours)" in (
        stale.explanation
    )


def test_a_persons_typos_over_a_month_on_their_own_pc_are_no_stale_password() -> None:
    log = Log()
    for day in range(28):
        if day % 2:
            log.add(day * 86_400 + 3600, "sarah.singh", "nfh-pc7364", kind=SourceKind.HOST)
            log.add(
                day * 86_400 + 3630,
                "sarah.singh",
                "nfh-pc7364",
                Outcome.SUCCESS,
                kind=SourceKind.HOST,
            )
    assert detect_all(log.table(), DEFAULTS) == []


def test_sources_without_ip_fall_back_to_host_or_process() -> None:
    log = Log()
    for n in range(16):
        log.add(n, "administrator", "accountrestore.exe", kind=SourceKind.PROCESS)
    brute = only(detect_all(log.table(), DEFAULTS), "signins.brute_force")
    assert brute.sources == ("accountrestore.exe",)
    assert brute.indicators[0].type == "process"


def test_unknown_account_guessing_is_reported_as_user_enumeration() -> None:
    log = Log()
    for n in range(30):
        log.add(n, f"guess{n}", "10.23.123.11", reason=FailureReason.UNKNOWN_ACCOUNT)
    spray = only(detect_all(log.table(), DEFAULTS), "signins.password_spray")
    assert spray.details["user_enumeration"] is True
    assert "do not exist" in spray.explanation


def test_allowlisted_cidr_is_tuned_away() -> None:
    findings = detect_all(Log().spray("203.0.113.5", 25).table(), DEFAULTS)
    assert tune(findings, ["203.0.113.0/24"]) == []
    assert tune(findings, ["198.51.100.0/24"]) == findings


def test_thresholds_come_from_settings() -> None:
    settings = from_mapping(
        SigninSettings,
        {"spray": {"windows": [{"minutes": 30, "min_accounts": 30}]}},
        where="test",
    )
    table = Log().spray("203.0.113.5", 25).table()
    assert detect_all(table, settings) == []
    assert kinds(detect_all(table, DEFAULTS)) == ["signins.password_spray"]


def test_detection_is_deterministic_and_uses_event_time_only() -> None:
    table = Log().spray("203.0.113.5", 25).table()
    first = [f.to_dict() for f in detect_all(table, DEFAULTS)]
    assert first == [f.to_dict() for f in detect_all(table, DEFAULTS)]
    assert first[0]["first_seen"] == "2024-03-04T09:00:00Z"


def test_empty_table_gives_no_findings() -> None:
    assert detect_all(Log().table(), DEFAULTS) == []


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3 * 24 * 3600),  # seconds into the log
            st.integers(0, 30),  # account
            st.integers(0, 3),  # source
            st.booleans(),  # failed?
        ),
        max_size=300,
    )
)
def test_bucket_prefilter_never_changes_what_is_found(
    rows: list[tuple[int, int, int, bool]],
) -> None:
    log = Log()
    for seconds, account, source, failed in rows:
        outcome = Outcome.FAILURE if failed else Outcome.SUCCESS
        log.add(seconds, f"u{account}", f"192.0.2.{source}", outcome)
    table = log.table()
    with_prefilter = [f.to_dict() for f in detect_all(table, DEFAULTS)]
    original = episodes.able_to_qualify
    try:
        episodes.able_to_qualify = lambda rows, by, horizon: rows  # type: ignore[assignment]
        without = [f.to_dict() for f in detect_all(table, DEFAULTS)]
    finally:
        episodes.able_to_qualify = original
    assert with_prefilter == without


def test_explicit_credential_attempts_make_a_spray_but_never_a_brute_force() -> None:
    log = Log()
    for n in range(14):  # 4648: a logon was tried, the log does not say it failed
        log.add(n, "smisenar", "desktop-1", Outcome.ATTEMPT, FailureReason.NONE, SourceKind.HOST)
    assert detect_all(log.table(), DEFAULTS) == []


def test_one_person_across_ad_entra_and_vpn_is_one_account() -> None:
    log = Log()
    for n in range(2):  # the same guessing, spelled three ways by three systems
        log.add(n * 60, "CONTOSO\\JSmith", "198.51.100.7")
        log.add(n * 60 + 10, "jsmith@contoso.org", "198.51.100.7")
        log.add(n * 60 + 20, "j.smith", "198.51.100.7")
    aliased = from_mapping(SigninSettings, {"account_aliases": {"J.Smith": "jsmith"}}, where="t")
    table = log.table()
    assert detect_all(table, DEFAULTS) == []  # 4 + 2 failures: j.smith is someone else
    brute = only(detect_all(table, aliased), "signins.brute_force")
    assert brute.accounts == ("jsmith",)
    assert brute.attempts == 6
