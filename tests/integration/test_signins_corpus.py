"""Every attack in ../shared/corpus/signins is found as its README says; controls stay quiet."""

from __future__ import annotations

from pathlib import Path

import pytest

from phalanx.config.signins import SigninSettings
from phalanx.core.finding import Finding
from phalanx.signins.scan import ScanResult, scan

ATTACKER = "10.23.123.11"  # ::ffff:10.23.123.11 in the domain controller's events


def scan_one(corpus: Path, relative: str) -> ScanResult:
    result = scan([corpus / "signins" / relative], SigninSettings())
    assert result.skipped == 0, [i.skips.examples for i in result.inputs]
    return result


def the(result: ScanResult, kind: str) -> Finding:
    assert [f.kind for f in result.findings] == [kind]
    return result.findings[0]


def test_kerbrute_spray_with_the_accounts_that_got_a_ticket(corpus: Path) -> None:
    spray = the(scan_one(corpus, "windows/kerbrute-spray-4771.evtx"), "signins.password_spray")
    assert spray.sources == (ATTACKER,)
    # 22 bad passwords (4771 0x18) plus 15 disabled/locked accounts (4768 0x12) in 10 s; one
    # of the 22 is the machine account SRVFS02$, which detection leaves out by design.
    assert spray.details["failure_reasons"]["bad_password"] == 21
    assert "srvfs02$" not in spray.accounts
    assert len(spray.accounts) == 36
    # 5 × 4768 status 0x0: the password was right, a TGT was issued to the sprayer
    assert len(spray.compromised) == 5
    assert spray.technique == "T1110.003"
    assert spray.severity.label == "critical"


def test_kerberos_user_enumeration_is_a_spray_over_unknown_names(corpus: Path) -> None:
    path = "windows/kerberos-spray-unknown-users-4768.evtx"
    spray = the(scan_one(corpus, path), "signins.password_spray")
    assert spray.sources == (ATTACKER,)
    assert spray.details["failure_reasons"]["unknown_account"] == 46
    assert spray.details["user_enumeration"] is True
    # Three 4768 0x0: two tickets went to the sprayer; the third (a health mailbox) was asked
    # for by 10.23.42.16, an Exchange server, and must not be blamed on the spray.
    assert spray.compromised == ("admin-test", "admmig")


def test_kerberos_brute_force_of_one_user_is_not_a_spray(corpus: Path) -> None:
    path = "windows/kerberos-bruteforce-one-user-4771.evtx"
    brute = the(scan_one(corpus, path), "signins.brute_force")
    assert brute.sources == (ATTACKER,)
    assert brute.accounts == ("admin-hacker",)
    assert brute.attempts == 54


def test_local_brute_force_without_ip_is_blamed_on_the_host(corpus: Path) -> None:
    brute = the(scan_one(corpus, "windows/local-bruteforce-4625-4776.evtx"), "signins.brute_force")
    assert brute.sources == ("win",)
    assert set(brute.accounts) == {"admin", "administrator"}
    assert brute.attempts == 16


@pytest.mark.parametrize(
    ("path", "account"),
    [
        ("windows/openssh-bruteforce-valid-user-4625.evtx", "admmig"),
        ("windows/openssh-bruteforce-unknown-user-4625.evtx", "nouser"),
    ],
)
def test_windows_openssh_brute_force(corpus: Path, path: str, account: str) -> None:
    brute = the(scan_one(corpus, path), "signins.brute_force")
    assert brute.accounts == (account,)
    assert brute.attempts >= 5


def test_explicit_credential_spray_seen_on_the_attackers_workstation(corpus: Path) -> None:
    path = "windows/explicit-credential-spray-4648.evtx"
    spray = the(scan_one(corpus, path), "signins.password_spray")
    assert spray.sources == ("desktop-jr78rlp",)
    assert len(spray.accounts) == 41
    assert spray.attempts == 294


@pytest.mark.parametrize(
    "path",
    [
        "windows/rdp-denied-restriction-4625.evtx",
        "windows/single-typo-then-success-4625.evtx",
        "windows/benign-explicit-credential-4648.evtx",
        "windows-json/benign-ad-background-1.zip",
        "windows-json/benign-ad-background-2.zip",
        "windows-json/uac-typo-4625.zip",
    ],
)
def test_negative_controls_give_no_finding(corpus: Path, path: str) -> None:
    result = scan_one(corpus, path)
    assert result.findings == []
    assert sum(i.signins for i in result.inputs) > 0  # the sign-ins were read, not skipped
