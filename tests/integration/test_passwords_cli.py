"""`phalanx passwords ...` end to end through the Typer app."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from phalanx.cli.main import app
from phalanx.passwords.nthash import nt_hash

runner = CliRunner()
LM = "aad3b435b51404eeaad3b435b51404ee"


def _dump(tmp_path: Path) -> Path:
    accounts = [("alice", "Winter2024!"), ("bob", "Northwick1!"), ("carol", ""),
                ("dave", "kV9#fQ2z!mW7pL")]
    path = tmp_path / "ntds.txt"
    path.write_text("".join(f"NWH\\{u}:{1100 + i}:{LM}:{nt_hash(p).hex()}::: (status=Enabled)\n"
                            for i, (u, p) in enumerate(accounts)))
    return path


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "phalanx.toml"
    path.write_text('[passwords]\norganisation_words = ["northwick"]\nworkers = 2\n')
    return path


def test_check_prints_ndjson_in_order_without_passwords() -> None:
    result = runner.invoke(app, ["passwords", "check"],
                           input="Winter2024!\ncoffee-train-fish-lamp\n")
    lines = [orjson.loads(line) for line in result.stdout.splitlines()]
    assert [(r["line"], r["accepted"]) for r in lines] == [(1, False), (2, True)]
    assert lines[0]["reasons"] and isinstance(lines[0]["guesses_log10"], float)
    assert "Winter2024!" not in result.stdout
    assert result.exit_code == 1
    shown = runner.invoke(app, ["passwords", "check", "--show"], input="Winter2024!\n")
    assert orjson.loads(shown.stdout)["password"] == "Winter2024!"


def test_generate_shows_entropy() -> None:
    result = runner.invoke(app, ["passwords", "generate", "-n", "3", "--words", "4"])
    assert result.exit_code == 0
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert len(rows) == 3 and all(len(p.split("-")) == 4 and b == "51.7 bits" for p, b in rows)


def test_audit_json_and_csv(tmp_path: Path) -> None:
    args = ["passwords", "audit", str(_dump(tmp_path)), "-c", str(_config(tmp_path))]
    report = orjson.loads(runner.invoke(app, [*args, "-f", "json"]).stdout)
    kinds = {(f["kind"], f["accounts"][0]) for f in report["findings"]}
    assert kinds == {("passwords.sprayable", "NWH\\alice"), ("passwords.sprayable", "NWH\\bob"),
                     ("passwords.empty", "NWH\\carol")}
    revealed = runner.invoke(app, [*args, "-f", "csv", "--reveal"]).stdout
    rows = list(csv.DictReader(io.StringIO(revealed)))
    assert {r["password"] for r in rows if r["kind"] == "sprayable"} == {"Winter2024!",
                                                                          "Northwick1!"}


def test_audit_refuses_a_pwned_list_as_a_dump(tmp_path: Path) -> None:
    path = tmp_path / "pwned.txt"
    path.write_text(f"{nt_hash('x').hex().upper()}:3\n")
    result = runner.invoke(app, ["passwords", "audit", str(path)])
    assert result.exit_code == 2
    assert "Pwned Passwords" in result.stderr and f"{path}:1" in result.stderr


def test_build_store_then_check_against_it(tmp_path: Path) -> None:
    source = tmp_path / "pwned-ntlm.txt"
    source.write_text(f"{nt_hash('lemon-quartz-harbour').hex().upper()}:42\n")
    store = tmp_path / "pwned.phx"
    built = runner.invoke(app, ["passwords", "build-store", str(source), "-o", str(store)])
    assert built.exit_code == 0 and "1 ntlm hashes" in built.stdout
    result = runner.invoke(app, ["passwords", "check", "-p", str(store)],
                           input="lemon-quartz-harbour\n")
    assert "42 times" in orjson.loads(result.stdout)["reasons"][0]


def test_mfa_gaps_from_registrations_and_reports(tmp_path: Path) -> None:
    registrations = tmp_path / "reg.csv"
    registrations.write_text("userPrincipalName,isMfaRegistered\namy@nwh.nhs.uk,False\n"
                             "ben@nwh.nhs.uk,False\ncat@nwh.nhs.uk,True\n")
    spray = tmp_path / "scan.json"
    spray.write_bytes(orjson.dumps({"findings": [{"kind": "signins.password_spray",
                                                  "accounts": ["ben", "cat"],
                                                  "compromised": []}], "inputs": []}))
    audit = tmp_path / "audit.json"
    audit.write_bytes(orjson.dumps({"findings": [{"kind": "passwords.sprayable",
                                                  "accounts": ["NWH\\ben"]}]}))
    result = runner.invoke(app, ["passwords", "mfa-gaps", "-r", str(registrations),
                                 "--spray-report", str(spray), "--audit-report", str(audit),
                                 "-f", "json"])
    findings = orjson.loads(result.stdout)["findings"]
    assert [(f["accounts"][0], f["severity"]) for f in findings] == [("ben", "critical"),
                                                                     ("amy", "medium")]


def test_mfa_gaps_reads_signin_logs_through_the_signin_readers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shell's glue: files -> sign-ins readers -> Arrow table -> mfa.py (a fake reader
    stands in for the Entra reader, which is being written)."""
    import phalanx.signins.readers as readers
    from phalanx.signins.schema import SIGNIN_SCHEMA

    log = tmp_path / "entra.json"
    log.write_text("[]")

    class FakeEntra:
        NAME = "entra"

        @staticmethod
        def read(source: object, stats: object, settings: object) -> Iterator[pa.RecordBatch]:
            rows = {name: [] for name in SIGNIN_SCHEMA.names}
            for account, requirement in (("amy", "single_factor"), ("ben", "multi_factor")):
                values = {"time": datetime(2026, 1, 5, tzinfo=UTC), "account": account,
                          "is_machine": False, "source": "198.51.100.4", "source_kind": "ip",
                          "outcome": "success", "failure_reason": "", "client": "IMAP4",
                          "auth_requirement": requirement, "log_source": "entra",
                          "origin": str(log), "record": 1}
                for name in SIGNIN_SCHEMA.names:
                    rows[name].append(values.get(name))
            yield pa.RecordBatch.from_pydict(rows, schema=SIGNIN_SCHEMA)

    monkeypatch.setattr(readers, "detect", lambda source, head: FakeEntra)
    result = runner.invoke(app, ["passwords", "mfa-gaps", "-s", str(log), "-f", "json"])
    findings = orjson.loads(result.stdout)["findings"]
    assert [(f["accounts"][0], f["details"]["clients"]) for f in findings] == [("amy", ["IMAP4"])]
