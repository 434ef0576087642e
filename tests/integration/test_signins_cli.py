"""`phalanx signins scan` as a user runs it: real files, archives, every format, exit codes."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

KERBRUTE = "signins/windows/kerbrute-spray-4771.evtx"


def phalanx(*args: str | Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "phalanx.cli.main", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


def test_json_output_has_findings_and_inputs(corpus: Path) -> None:
    done = phalanx("signins", "scan", corpus / KERBRUTE, "--format", "json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    (finding,) = document["findings"]
    assert finding["kind"] == "signins.password_spray"
    assert finding["sources"] == ["10.23.123.11"]
    for key in (
        "severity",
        "technique",
        "accounts",
        "compromised",
        "first_seen",
        "last_seen",
        "attempts",
        "explanation",
        "evidence",
    ):
        assert key in finding
    (source,) = document["inputs"]
    assert source["format"] == "evtx"
    assert source["records"] == 42
    assert source["signins"] == 42
    assert source["skipped"] == {}


def test_gz_zip_and_folders_are_read_and_junk_is_counted(corpus: Path, tmp_path: Path) -> None:
    evtx = (corpus / KERBRUTE).read_bytes()
    (tmp_path / "dc1.evtx.gz").write_bytes(gzip.compress(evtx))
    with zipfile.ZipFile(tmp_path / "export.zip", "w") as archive:
        archive.writestr("logs/dc2.evtx", evtx)
    (tmp_path / "notes.txt").write_text("not a log at all\n", encoding="utf-8")
    done = phalanx("signins", "scan", tmp_path, "--format", "json")
    assert done.returncode == 0, done.stderr
    inputs = {
        i["path"].removeprefix(f"{tmp_path}/"): i for i in json.loads(done.stdout)["inputs"]
    }
    assert inputs["dc1.evtx.gz"]["signins"] == 42
    assert inputs["export.zip!logs/dc2.evtx"]["signins"] == 42
    assert inputs["notes.txt"]["skipped"] == {"unknown_format": 1}
    assert "notes.txt: unknown_format" in done.stderr


def test_strict_turns_a_skip_into_an_error_exit(tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 8)
    done = phalanx("signins", "scan", junk, "--strict", "--format", "json")
    assert done.returncode == 3
    assert "skipped (--strict)" in done.stderr


def test_missing_file_is_reported_not_a_traceback(tmp_path: Path) -> None:
    done = phalanx("signins", "scan", tmp_path / "nope.evtx", "--format", "json")
    assert "Traceback" not in done.stderr
    assert json.loads(done.stdout)["inputs"][0]["skipped"] == {"unreadable": 1}


@pytest.mark.parametrize("fmt", ["table", "ndjson", "csv", "html"])
def test_every_format_writes_the_finding(corpus: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"report.{fmt}"
    done = phalanx("signins", "scan", corpus / KERBRUTE, "--format", fmt, "--output", out)
    assert done.returncode == 0, done.stderr
    assert "10.23.123.11" in out.read_text(encoding="utf-8")


def test_blocklist_holds_the_sprayer(corpus: Path, tmp_path: Path) -> None:
    blocklist = tmp_path / "block.txt"
    done = phalanx("signins", "scan", corpus / KERBRUTE, "-q", "--blocklist", blocklist)
    assert done.returncode == 0, done.stderr
    assert blocklist.read_text(encoding="utf-8") == "10.23.123.11\n"


def test_help_teaches_with_examples() -> None:
    done = phalanx("signins", "scan", "--help")
    assert done.returncode == 0
    assert "Examples" in done.stdout
    assert "--blocklist" in done.stdout


def test_help_prose_is_wrapped_by_the_terminal_not_the_source() -> None:
    """A docstring wrapped at 90 in the source must not come out ragged at 80 columns:
    "mistypes passwords" stays one phrase, not "mistypes" on a line of its own."""
    command = [sys.executable, "-m", "phalanx.cli.main", "signins", "simulate", "--help"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "COLUMNS": "80", "TERM": "dumb"})
    assert done.returncode == 0, done.stderr
    lines = [line.strip() for line in done.stdout.splitlines()]
    assert any("mistypes passwords" in line for line in lines)
    assert not any(line.endswith("mistypes") for line in lines)
    # examples keep their own lines
    assert any(line.startswith("phalanx signins simulate --out sim/") for line in lines)
