"""The generated logs are what their truth file says, in the real formats, the same for a seed."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest
import typer
from typer.testing import CliRunner

from phalanx.cli.simulate import simulate_command
from phalanx.signins.simulate.attacks import SCENARIOS
from phalanx.signins.simulate.example import (
    ENTRA_FILE,
    ENTRA_SPRAY_IP,
    OFFICE_NAT,
    SSHD_FILE,
    write_example_logs,
)
from phalanx.signins.simulate.networks import ABROAD, ATTACKERS, HOME, ORGANISATION
from phalanx.signins.simulate.run import parse_formats, simulate
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
    networks = {row["ipAddress"]: row["autonomousSystemNumber"] for row in rows}
    assert networks[OFFICE_NAT] in ORGANISATION
    assert networks[ENTRA_SPRAY_IP] in ATTACKERS
    assert set(networks.values()) <= {*ORGANISATION, *HOME, *ATTACKERS}


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
    assert len(by_code[50034]) == 3  # leavers on the attacker's list
    assert not (by_code[50034] & set(spray.compromised))
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


# --- the labelled simulator ------------------------------------------------------------------

ENTRA_FIELDS = {
    "id",
    "createdDateTime",
    "userPrincipalName",
    "ipAddress",
    "appDisplayName",
    "clientAppUsed",
    "status",
    "authenticationRequirement",
}
WINDOWS_FIELDS = {"EventID", "TimeCreated", "Computer", "EventRecordID", "TargetUserName"}
WINDOWS_FIELDS |= {"TargetDomainName", "Channel"}
SSHD_ACCEPTED = re.compile(r"sshd\[\d+\]: Accepted password for (?P<user>\S+) from (?P<ip>\S+) ")


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Truth]:
    folder = tmp_path_factory.mktemp("simulated")
    return folder, simulate(folder, users=200, days=4, seed=11, events=20_000)


def _attempts(folder: Path) -> list[tuple[str, str, str, bool]]:
    """(log, account, source, failed) of every sign-in in every written file."""
    rows: list[tuple[str, str, str, bool]] = []
    for line in (folder / "entra-signins.jsonl").read_text().splitlines():
        record = orjson.loads(line)
        assert set(record) >= ENTRA_FIELDS
        account = record["userPrincipalName"].split("@")[0]
        failed = record["status"]["errorCode"] != 0
        rows.append(("entra", account, record["ipAddress"], failed))
    for line in (folder / "windows-security.jsonl").read_text().splitlines():
        event = orjson.loads(line)
        assert set(event) >= WINDOWS_FIELDS
        assert ("IpAddress" in event) != ("Workstation" in event)  # 4776 has no address
        assert event["EventID"] in {4624, 4625, 4768, 4771, 4776}
        failed = event["EventID"] in (4625, 4771) or event.get("Status", "0x0") != "0x0"
        source = event.get("IpAddress", event.get("Workstation", "")).removeprefix("::ffff:")
        rows.append(("windows", event["TargetUserName"], source, failed))
    for line in (folder / "sshd-auth.log").read_text().splitlines():
        assert SSHD_LINE.match(line), line
        if match := SSHD_FAILED.match(line):
            rows.append(("syslog", match["user"], match["ip"], True))
        elif match := SSHD_ACCEPTED.search(line):
            rows.append(("syslog", match["user"], match["ip"], False))
    return rows


def test_simulation_is_the_same_for_a_seed_whatever_the_workers(
    simulated: tuple[Path, Truth], tmp_path: Path
) -> None:
    folder, truth = simulated
    again = simulate(tmp_path, users=200, days=4, seed=11, events=20_000, workers=1)
    assert again.to_dict() == truth.to_dict()
    for name in truth.events:
        assert (tmp_path / name).read_bytes() == (folder / name).read_bytes(), name


def test_simulation_writes_about_the_events_asked_for(simulated: tuple[Path, Truth]) -> None:
    _, truth = simulated
    assert set(truth.events) == {"entra-signins.jsonl", "windows-security.jsonl", "sshd-auth.log"}
    assert 16_000 < sum(truth.events.values()) < 24_000
    assert Truth.read_json(simulated[0] / "truth.json") == truth


def test_every_attack_type_is_planted_and_labelled(simulated: tuple[Path, Truth]) -> None:
    _, truth = simulated
    types = {a.type for a in truth.attacks if not a.benign}
    assert types == {s.type for s in SCENARIOS}
    distributed = truth.by_type("distributed_spray")[0]
    assert len(distributed.sources) >= 100  # hundreds of addresses on a bigger organisation
    assert {a.type for a in truth.attacks if a.benign} == {"stale_password", "policy_change"}


def test_truth_matches_what_is_written(simulated: tuple[Path, Truth]) -> None:
    folder, truth = simulated
    rows = _attempts(folder)
    assert len(rows) == sum(truth.events.values())
    for attack in (a for a in truth.attacks if not a.benign):
        (log,) = attack.logs
        sources = set(attack.sources)
        hits = [r for r in rows if r[0] == log and r[2] in sources]
        failed_accounts = {account for _, account, _, failed in hits if failed}
        assert set(attack.accounts) - set(attack.compromised) <= failed_accounts, attack.id
        assert {account for _, account, _, _ in hits} == set(attack.accounts), attack.id
        assert len(hits) == attack.attempts, attack.id


def test_every_entra_sign_in_names_the_autonomous_system_of_its_address(
    simulated: tuple[Path, Truth],
) -> None:
    folder, truth = simulated
    networks: dict[str, set[int]] = {}
    for line in (folder / "entra-signins.jsonl").read_bytes().splitlines():
        record = orjson.loads(line)
        assert type(record["autonomousSystemNumber"]) is int  # Graph's Int32
        networks.setdefault(record["ipAddress"], set()).add(record["autonomousSystemNumber"])
    assert all(len(asns) == 1 for asns in networks.values())  # one AS per address
    asn = {address: asns.pop() for address, asns in networks.items()}
    attackers = {s for a in truth.attacks if not a.benign for s in a.sources}
    staff = {asn[address] for address in asn.keys() - attackers}
    # Staff come from the organisation's ISPs, home broadband and the odd foreign network.
    assert staff <= {*ORGANISATION, *HOME, *ABROAD}
    assert set(ORGANISATION) <= staff
    (distributed,) = truth.by_type("distributed_spray")
    spray = {asn[s] for s in distributed.sources}
    assert spray <= set(ATTACKERS)
    assert len(spray) >= 20  # proxies and bots over many networks, hosting and residential


def test_formats_can_be_chosen(tmp_path: Path) -> None:
    truth = simulate(
        tmp_path, users=150, days=2, seed=2, events=5_000, logs=parse_formats("syslog")
    )
    assert set(truth.events) == {"sshd-auth.log"}
    assert all(a.logs == ("syslog",) for a in truth.attacks if not a.benign)
    assert "spray_stopped_by_mfa" not in {a.type for a in truth.attacks}  # needs Entra
    with pytest.raises(ValueError, match="unknown format"):
        parse_formats("entra,evtx")


def test_several_attacks_of_each_type_can_be_planted(tmp_path: Path) -> None:
    truth = simulate(tmp_path, users=300, days=3, seed=5, events=8_000, attacks_per_type=3)
    attacks = [a for a in truth.attacks if not a.benign]
    assert len(attacks) == 3 * len(SCENARIOS)
    assert len({a.id for a in attacks}) == len(attacks)
    sprays = truth.by_type("burst_spray")
    assert len({a.sources for a in sprays}) == 3  # three different attackers


def test_the_command_writes_the_logs_and_names_each_attack(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command("simulate")(simulate_command)
    app.command("other")(lambda: None)  # two commands, so "simulate" is a sub-command
    args = ["simulate", "--out", str(tmp_path), "--users", "150", "--days", "2"]
    result = CliRunner().invoke(app, [*args, "--events", "3000", "--formats", "syslog"])
    assert result.exit_code == 0, result.output
    assert "brute-force-" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sshd-auth.log", "truth.json"]
    bad = CliRunner().invoke(app, [*args, "--formats", "evtx"])
    assert bad.exit_code == 2
    assert "unknown format 'evtx'" in bad.output
