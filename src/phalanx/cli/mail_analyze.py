"""`phalanx mail analyze FILE...`: verdict, score, category, reasons and indicators per message.

Registered on the `phalanx mail` app by cli/mail.py: app.command("analyze")(analyze_command).
"""

from __future__ import annotations

import io
import json
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from phalanx.cli.common import CONFIG_HELP, fail, settings_from, write_output
from phalanx.mail.analyze import analyze, read_message_file
from phalanx.mail.extract import split_report

_err = Console(stderr=True, soft_wrap=True)


class Format(StrEnum):
    table = "table"
    json = "json"
    ndjson = "ndjson"


def analyze_command(
    paths: list[Path] = typer.Argument(..., help=".eml, .msg, mbox files or Maildir folders."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="Output format."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write here, not stdout."),
    config: Path | None = typer.Option(None, "--config", "-c", help=CONFIG_HELP),
    report: bool = typer.Option(
        False,
        "--report",
        help="Each file is a staff member's report: analyse the message(s) "
        "it forwards (attached .eml/.msg or quoted inline) rather than the report itself.",
    ),
) -> None:
    """Analyse reported messages offline: nothing is fetched, no HTML is rendered.

    Each message gets a verdict, a category, the reasons in words and its indicators (URLs,
    domains, addresses, attachments' hashes); nothing is stored.

    Examples:

      phalanx mail analyze suspicious.eml

      phalanx mail analyze reports/*.eml --report --format ndjson -o results.ndjson
    """
    settings = settings_from(config).mail
    results: list[dict[str, Any]] = []
    unreadable = 0
    for path in paths:
        try:
            messages = read_message_file(path)
        except (OSError, ValueError) as exc:
            unreadable += 1
            _err.print(f"[red]{path}: cannot read ({exc})[/red]")
            continue
        for index, raw in enumerate(messages):
            carried = split_report(raw) if report else None
            for how, message in ((e.how, e.raw) for e in carried) if carried else [("", raw)]:
                row = {"file": str(path), "index": index, **analyze(message, settings).to_dict()}
                if how:
                    row["extracted_as"] = how
                results.append(row)
    write_output(_render(results, fmt), output)
    if unreadable and not results:
        fail(f"none of the {unreadable} file(s) could be read")


def _render(results: list[dict[str, Any]], fmt: Format) -> str:
    if fmt is Format.json:
        return json.dumps(results, indent=2, ensure_ascii=False) + "\n"
    if fmt is Format.ndjson:
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in results)
    table = Table("file", "verdict", "score", "category", "subject", "main reason")
    for row in results:
        reasons = row["reasons"] or [row["error"] or ""]
        table.add_row(
            Path(row["file"]).name,
            row["verdict"],
            str(row["score"]),
            row["category"],
            (row["subject"] or "")[:60],
            (reasons[0] or "")[:100],
        )
    console = Console(record=True, width=160, file=io.StringIO())
    console.print(table)
    return console.export_text()
