"""The generated logs are what their truth file says, in the real formats, the same for a seed."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest

from phalanx.signins.simulate.example import ENTRA_FILE, SSHD_FILE, write_example_logs
from phalanx.signins.simulate.truth import Truth

# The sshd lines the syslog reader keys on (RFC 3164: no year, day padded with a space).
SSHD_FAILED = re.compile(
    r"^(?P<month>[A-Z][a-z]{2}) (?P<day>[ \d]\d) (?P<clock>\d\d:\d\d:\d\d) (?P<host>\S+) "
    r"sshd\[\d+\]: Failed password for (?:invalid user )?(?P<user>\S+) "
    r"from (?P<ip>\S+) port \d+ ssh2$"
)
SSHD_LINE = re.compile(r"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ sshd\[\d+\]: \S")


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Truth]:
    folder = tmp_path_factory.mktemp("example")
    return folder, write_example_logs(folder)


def _entra(folder: Path) -> list[dict[str, object]]:
    page = orjson.loads((folder / ENTRA_FILE).read_bytes())
    assert set(page) == {"@odata.context", "value"}
    rows: list[dict[str, object]] = page["value"]
    return rows


def test_example_is_the_same_for_a_seed_and_differs_for_another(
    example: tuple[Path, Truth], tmp_path: Path
) -> None:
    folder, truth = example
    again = write_example_logs(tmp_path / "again")
    assert again.to_dict() == truth.to_dict()
    for name in (ENTRA_FILE, SSHD_FILE, "truth.json"):
        assert (tmp_path / "again" / name).read_bytes() == (folder / name).read_bytes()
    other = write_example_logs(tmp_path / "other", seed=8)
    assert other.attacks != truth.attacks


def test_truth_json_round_trips(example: tuple[Path, Truth]) -> None:
    folder, truth = example
    assert Truth.read_json(folder / "truth.json") == truth
    assert {a.id for a in truth.attacks} == {
        "entra-burst-spray",
        "ssh-brute-force",
        "ssh-spray",
        "stale-service-password",
    }


def test_entra_records_have_graph_field_names_and_codes(example: tuple[Path, Truth]) -> None:
    folder, truth = example
    rows = _entra(folder)
    assert len(rows) == truth.events[ENTRA_FILE]
    assert 1000 < len(rows) < 5000
    for row in rows:
        assert {"createdDateTime", "userPrincipalName", "ipAddress", "appDisplayName"} <= set(row)
        assert {"clientAppUsed", "status", "authenticationRequirement"} <= set(row)
        assert isinstance(row["status"], dict)
        assert set(row["status"]) == {"errorCode", "failureReason", "additionalDetails"}
    codes = {row["status"]["errorCode"] for row in rows}  # type: ignore[index]
    assert {0, 50126, 50034, 50074} <= codes


def test_the_entra_spray_is_in_the_log_as_labelled(example: tuple[Path, Truth]) -> None:
    folder, truth = example
    (spray,) = [a for a in truth.attacks if a.id == "entra-burst-spray"]
    from_attacker = [r for r in _entra(folder) if r["ipAddress"] in spray.sources]
    accounts = {str(r["userPrincipalName"]).split("@")[0] for r in from_attacker}
    assert accounts == set(spray.accounts)
    assert len(accounts) == 40
    by_code: dict[int, set[str]] = {}
    for row in from_attacker:
        code = row["status"]["errorCode"]  # type: ignore[index]
        by_code.setdefault(code, set()).add(str(row["userPrincipalName"]).split("@")[0])
    guessed = by_code[0]
    assert len(guessed) == 1
    assert by_code[50074] | guessed == set(spray.compromised)
    times = sorted(str(r["createdDateTime"]) for r in from_attacker)
    assert times[0] == spray.start.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert times[-1] == spray.end.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_sshd_lines_are_rfc3164_and_match_the_truth(example: tuple[Path, Truth]) -> None:
    folder, truth = example
    lines = (folder / SSHD_FILE).read_text().splitlines()
    assert all(SSHD_LINE.match(line) for line in lines)
    assert any(line.startswith("Mar  2 ") for line in lines)  # the padded day of month
    failed = [m for m in map(SSHD_FAILED.match, lines) if m]
    for attack in (a for a in truth.attacks if SSHD_FILE in a.logs):
        hits = [m for m in failed if m["ip"] in attack.sources]
        assert {m["user"] for m in hits} == set(attack.accounts), attack.id
        assert len(hits) == attack.attempts, attack.id


def test_the_stale_password_is_labelled_benign(example: tuple[Path, Truth]) -> None:
    _, truth = example
    (stale,) = [a for a in truth.attacks if a.benign]
    assert stale.kind == "signins.stale_credentials"
    assert stale.attempts >= 190  # every 15 minutes for two days
