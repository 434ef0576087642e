"""`phalanx mail analyze`: formats, reports, .msg input, unreadable files."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from phalanx.cli.mail_analyze import analyze_command

from .factory import message, report_with_attached

app = typer.Typer()
app.command("analyze")(analyze_command)
app.command("noop", hidden=True)(lambda: None)  # keeps "analyze" a named sub-command
runner = CliRunner()


def test_json_output(tmp_path: Path) -> None:
    path = tmp_path / "lure.eml"
    path.write_bytes(message("Verify your account within 24 hours: http://192.0.2.7/login"))
    result = runner.invoke(app, ["analyze", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)
    assert row["file"] == str(path)
    assert row["verdict"] in ("malicious", "suspicious")
    assert "http://192.0.2.7/login" in row["indicators"]["urls"]


def test_report_mode_ndjson_and_msg(tmp_path: Path, mail_corpus: Path) -> None:
    report = tmp_path / "report.eml"
    report.write_bytes(report_with_attached(message("one"), message("two")))
    msg = mail_corpus / "samples-msg" / "unicode.msg"
    result = runner.invoke(app, ["analyze", str(report), str(msg), "--report", "-f", "ndjson"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["extracted_as"] for r in rows] == ["attachment", "attachment", "as_is"]
    assert rows[2]["subject"] == "Test for TIF files"


def test_table_and_unreadable_file(tmp_path: Path) -> None:
    good = tmp_path / "ok.eml"
    good.write_bytes(message("Lunch?"))
    result = runner.invoke(app, ["analyze", str(good), str(tmp_path / "missing.eml")])
    assert result.exit_code == 0
    assert "clean" in result.stdout and "ok.eml" in result.stdout
    assert "missing.eml" in result.output
    only_bad = runner.invoke(app, ["analyze", str(tmp_path / "missing.eml")])
    assert only_bad.exit_code == 2


def test_mbox_and_maildir_are_read(tmp_path: Path) -> None:
    import mailbox

    from phalanx.mail.analyze import read_message_file

    box = mailbox.mbox(str(tmp_path / "box.mbox"))
    for word in ("one", "two", "three"):
        box.add(message(f"body {word}", subject=word))
    box.close()
    subjects = [
        raw.split(b"Subject: ")[1].split(b"\n")[0].strip()
        for raw in read_message_file(tmp_path / "box.mbox")
    ]
    assert subjects == [b"one", b"two", b"three"]
    maildir = mailbox.Maildir(str(tmp_path / "md"))
    maildir.add(message("in maildir", subject="md"))
    assert len(read_message_file(tmp_path / "md")) == 1
    single = tmp_path / "one.eml"
    single.write_bytes(b"From sender@x.example Mon Nov  6 10:00:00 2023\n" + message("x"))
    assert len(read_message_file(single)) == 1
