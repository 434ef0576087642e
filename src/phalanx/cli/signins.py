"""`phalanx signins ...`: scan sign-in logs for password spraying and brute force."""

from __future__ import annotations

import tempfile
from enum import StrEnum
from pathlib import Path

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from phalanx.cli.common import CONFIG_HELP, fail, settings_from, write_output
from phalanx.cli.simulate import simulate_command
from phalanx.config.signins import SigninSettings
from phalanx.reports import Report, blocklist, render
from phalanx.signins.readers import READERS, InputFile
from phalanx.signins.scan import ScanResult, scan

app = typer.Typer(
    help=(
        "Find password spraying, brute force and the sprays that succeeded in sign-in logs: "
        "Windows .evtx and JSON, Entra ID / M365, Okta, Linux sshd/PAM syslog and journald, "
        "VPN exports (CSV with a column map). Files, .gz, .zip and directories all work; the "
        "format of each file is recognised from its content."
    ),
    no_args_is_help=True,
)
app.command("simulate")(simulate_command)
_err = Console(stderr=True, soft_wrap=True)  # messages name paths: never break them
PROGRESS_FROM_BYTES = 20_000_000  # below this a scan is over before a bar would help


class Format(StrEnum):
    table = "table"
    json = "json"
    ndjson = "ndjson"
    csv = "csv"
    html = "html"


@app.command("scan")
def scan_command(
    paths: list[Path] = typer.Argument(..., help="Log files, archives (.gz, .zip) or folders."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="Output format."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write here, not stdout."),
    config: Path | None = typer.Option(None, "--config", "-c", help=CONFIG_HELP),
    strict: bool = typer.Option(
        False, "--strict", help="Exit with status 3 when any record or file had to be skipped."
    ),
    blocklist_file: Path | None = typer.Option(
        None, "--blocklist", help="Also write the IPs of high-confidence findings, one a line."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress or summary on stderr."),
) -> None:
    """Scan sign-in logs and report who sprayed whom, from where, when, and what worked.

    Give files, directories, .gz or .zip archives: each file's format is recognised from its
    content (`phalanx signins formats` lists them). Records that cannot be read are counted
    and named by file and line; --strict makes them fail the scan.

    Examples:

      phalanx signins scan Security.evtx

      phalanx signins scan logs/ --format html -o report.html --blocklist block.txt

      phalanx signins scan entra.json auth.log.gz --format json | jq '.findings[]'
    """
    settings = settings_from(config)
    result = _scan_with_progress(paths, settings.signins, quiet)
    title = "Phalanx sign-in scan"
    write_output(render(Report(title, result.findings, _inputs(result)), fmt.value), output)
    if blocklist_file is not None:
        blocklist_file.write_text(blocklist(result.findings), encoding="utf-8")
    if not quiet:
        _summary(result)
    if strict and result.skipped:
        fail(f"{result.skipped} record(s) or file(s) skipped (--strict)", code=3)


@app.command("demo")
def demo_command(
    out: Path | None = typer.Option(
        None, "--out", help="Keep the generated example logs here (default: a temporary folder)."
    ),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="Output format."),
) -> None:
    """Generate example logs of a small organisation under attack, and scan them.

    The logs (Entra ID sign-ins and sshd syslog) hold a password spray with one guessed
    password and one stopped by MFA, an SSH spray, an SSH brute force and a stale
    service-account password; `truth.json` beside them says what was planted.
    """
    from phalanx.signins.simulate.example import write_example_logs

    with tempfile.TemporaryDirectory(prefix="phalanx-demo-") as scratch:
        folder = out or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        write_example_logs(folder)
        _err.print(f"Example logs written to {folder}; scanning them…")
        logs = sorted(p for p in folder.iterdir() if p.name != "truth.json")
        result = scan(logs, SigninSettings())
        write_output(
            render(Report("Phalanx demo scan", result.findings, _inputs(result)), fmt.value), None
        )
        _summary(result)
    _err.print("Next: `phalanx signins scan YOUR_LOGS --format html -o report.html`")


@app.command("formats")
def formats_command() -> None:
    """List the log formats Phalanx recognises, in the order it tries them."""
    for reader in READERS:
        doc = (reader.__doc__ or "").strip().splitlines()  # type: ignore[attr-defined]
        typer.echo(f"{reader.NAME:14} {doc[0] if doc else ''}")


def _scan_with_progress(paths: list[Path], settings: SigninSettings, quiet: bool) -> ScanResult:
    total = sum(_size(p) for p in paths)
    if quiet or total < PROGRESS_FROM_BYTES:
        return scan(paths, settings)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=_err, transient=True) as bar:
        task = bar.add_task("reading", total=total)

        def advance(source: InputFile, size: int) -> None:
            bar.update(task, advance=size, description=f"read {Path(source.name).name}")

        result = scan(paths, settings, progress=advance)
        bar.update(task, description="detecting")
        return result


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size if path.exists() else 0


def _inputs(result: ScanResult) -> list[dict[str, object]]:
    return [i.to_dict() for i in result.inputs]


def _summary(result: ScanResult) -> None:
    signins = sum(i.signins for i in result.inputs)
    by_kind: dict[str, int] = {}
    for finding in result.findings:
        by_kind[finding.kind] = by_kind.get(finding.kind, 0) + 1
    kinds = ", ".join(f"{n} {k.split('.')[-1]}" for k, n in by_kind.items()) or "no findings"
    _err.print(f"{len(result.inputs)} input(s), {signins} sign-ins: {kinds}.")
    if result.skipped:
        _err.print(f"[yellow]{result.skipped} record(s) or file(s) skipped:[/]")
        for stats in result.inputs:
            for example in stats.skips.examples[:5]:
                _err.print(f"  {example}")


@app.command("watch")
def watch_command(
    paths: list[Path] = typer.Argument(..., help="Log files to follow (they may not exist yet)."),
    state: Path = typer.Option(
        Path("phalanx-watch.state"), "--state", help="Checkpoint file: offsets, window, emitted."
    ),
    interval: float = typer.Option(5.0, "--interval", help="Seconds between polls."),
    once: bool = typer.Option(False, "--once", help="Poll once, checkpoint and exit (cron)."),
    webhook: str | None = typer.Option(None, "--webhook", help="Also POST each finding here."),
    syslog: str | None = typer.Option(
        None, "--syslog", help="Also send each finding as RFC 5424 over UDP to HOST:PORT."
    ),
    config: Path | None = typer.Option(None, "--config", "-c", help=CONFIG_HELP),
) -> None:
    """Follow growing logs like `tail -F` and print findings as they form (NDJSON on stdout).

    Each line is a finding with "status": "new" when first seen and "updated" when it grows
    (more attempts, a newly compromised account). Restarting with the same --state neither
    misses nor repeats anything.

    Example:

      phalanx signins watch /var/log/auth.log --state /var/lib/phalanx/auth.state
    """
    import time

    from phalanx.reports.alerts import post_webhook, send_syslog
    from phalanx.signins.watch import Watcher, WatchState

    settings = settings_from(config)
    target = _syslog_address(syslog) if syslog else None
    watcher = Watcher(paths, settings.signins, WatchState.load(state))
    while True:
        for status, finding in watcher.poll():
            document = {"status": status, **finding.to_dict()}
            typer.echo(orjson.dumps(document).decode())
            try:
                if webhook:
                    post_webhook(webhook, document)
                if target:
                    send_syslog(target, document)
            except OSError as exc:
                _err.print(f"[yellow]could not deliver a finding: {exc}[/]")
        watcher.state.save(state)
        if once:
            return
        time.sleep(interval)


def _syslog_address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        fail(f"--syslog wants HOST:PORT, got {text!r}")
    return host, int(port)
