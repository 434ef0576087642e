"""One entry point, `render(report, format)`, for every capability's findings."""

from __future__ import annotations

import csv
import io
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from rich.console import Console
from rich.table import Table

from phalanx.core.finding import Finding, Severity
from phalanx.reports import html

FORMATS = ("table", "json", "ndjson", "csv", "html")
_SEVERITY_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}
CSV_COLUMNS = (
    "kind",
    "severity",
    "technique",
    "confidence",
    "sources",
    "accounts",
    "compromised",
    "first_seen",
    "last_seen",
    "attempts",
    "title",
    "explanation",
)


@dataclass
class Report:
    title: str
    findings: Sequence[Finding]
    inputs: Sequence[Mapping[str, Any]] = field(default_factory=list)


def render(report: Report, fmt: str, *, width: int = 120) -> str:
    if fmt == "json":
        document = {
            "findings": [f.to_dict() for f in report.findings],
            "inputs": list(report.inputs),
        }
        return orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n"
    if fmt == "ndjson":
        return "".join(orjson.dumps(f.to_dict()).decode() + "\n" for f in report.findings)
    if fmt == "csv":
        return _csv(report.findings)
    if fmt == "html":
        return html.page(report.title, [f.to_dict() for f in report.findings], report.inputs)
    if fmt == "table":
        return _table(report, width)
    raise ValueError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")


def _csv(findings: Sequence[Finding]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for finding in findings:
        row = finding.to_dict()
        writer.writerow(
            ";".join(v) if isinstance(v, list) else ("" if v is None else v)
            for v in (row[name] for name in CSV_COLUMNS)
        )
    return out.getvalue()


def _table(report: Report, width: int) -> str:
    console = Console(file=io.StringIO(), width=width, force_terminal=False, color_system=None)
    if not report.findings:
        console.print("No findings.")
    for number, finding in enumerate(report.findings, start=1):
        style = _SEVERITY_STYLE[finding.severity]
        console.print(f"[{style}]{number}. {finding.severity.label.upper()}[/] {finding.title}")
        grid = Table.grid(padding=(0, 2))
        grid.add_row("kind", f"{finding.kind}  ({finding.technique or '-'})")
        grid.add_row("when", f"{_when(finding)}  ·  {finding.attempts} attempts")
        grid.add_row("sources", ", ".join(finding.sources) or "-")
        grid.add_row("accounts", _short(finding.accounts))
        if finding.compromised:
            grid.add_row("[bold red]compromised[/]", ", ".join(finding.compromised))
        grid.add_row("why", finding.explanation)
        console.print(grid)
        console.print()
    if report.inputs:
        console.print(_inputs_table(report.inputs))
    output = console.file
    assert isinstance(output, io.StringIO)
    return output.getvalue()


def _inputs_table(inputs: Sequence[Mapping[str, Any]]) -> Table:
    table = Table(title="Inputs", title_justify="left")
    for column in ("path", "format", "records", "sign-ins", "skipped"):
        table.add_column(column, overflow="fold")
    for entry in inputs:
        skipped = ", ".join(f"{k}: {v}" for k, v in entry.get("skipped", {}).items()) or "-"
        table.add_row(
            str(entry["path"]),
            str(entry.get("format") or "?"),
            str(entry.get("records", 0)),
            str(entry.get("signins", 0)),
            skipped,
        )
    return table


def _when(finding: Finding) -> str:
    if finding.first_seen is None or finding.last_seen is None:
        return "-"
    return f"{finding.first_seen:%Y-%m-%d %H:%M:%S} → {finding.last_seen:%Y-%m-%d %H:%M:%S} UTC"


def _short(names: Sequence[str], shown: int = 12) -> str:
    text = ", ".join(names[:shown])
    return text + (f" … (+{len(names) - shown})" if len(names) > shown else "") if names else "-"


def blocklist(findings: Sequence[Finding]) -> str:
    """The IP sources of high-confidence attack findings, one a line, for a firewall or proxy."""
    addresses: set[ipaddress.IPv4Address | ipaddress.IPv6Address] = set()
    for finding in findings:
        if finding.confidence != "high" or finding.severity < Severity.MEDIUM:
            continue
        for source in finding.sources:
            try:
                addresses.add(ipaddress.ip_address(source))
            except ValueError:
                continue  # host names and processes cannot be blocked at a firewall
    ordered = sorted(addresses, key=lambda a: (a.version, int(a)))
    return "".join(f"{address}\n" for address in ordered)
