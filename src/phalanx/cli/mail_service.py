"""`phalanx mail ingest | add-user | add-token`: the reporting service's store from the shell.

Registered on the `phalanx mail` app by cli/mail.py.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from phalanx.cli.common import CONFIG_HELP, fail
from phalanx.cli.serve import DATA_DIR_HELP, DATABASE_HELP, open_store, service_settings
from phalanx.mail.analyze import iter_message_file
from phalanx.server import auth
from phalanx.server.service import ReportingService, ReportRefused
from phalanx.store.db import Incoming

_err = Console(stderr=True, soft_wrap=True)
_BATCH = 200


class Format(StrEnum):
    table = "table"
    json = "json"


def ingest_command(
    paths: list[Path] = typer.Argument(
        ..., help=".eml, .msg or mbox files, Maildir folders, or folders of such files."
    ),
    config: Path | None = typer.Option(None, "--config", "-c", help=CONFIG_HELP),
    data_dir: Path | None = typer.Option(None, "--data-dir", "-d", help=DATA_DIR_HELP),
    database_url: str | None = typer.Option(None, "--database-url", help=DATABASE_HELP),
    reporter: str | None = typer.Option(
        None, help="Address to credit (and reply to, when feedback is on) for these reports."
    ),
    queue_only: bool = typer.Option(
        False, "--queue-only",
        help="Only store the reports: a running `phalanx serve` on the same store analyses them.",
    ),
    workers: int | None = typer.Option(None, help="Analysis processes (default: one a core)."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="Summary format."),
) -> None:
    """Store reported messages from files in the reporting service, then analyse them.

    Each message becomes a report, stored durably (like one sent to the SMTP intake), then
    analysed, grouped into campaigns and turned into takedown cases. Files that cannot be read
    are named and counted; messages that cannot be analysed are stored with their error.

    Examples:

      phalanx mail ingest reported/ -d phalanx-data

      phalanx mail ingest export.mbox -d phalanx-data --queue-only   # a service is running
    """
    settings = service_settings(config, data_dir, database_url, workers=workers)
    store = open_store(settings)
    service = ReportingService(settings, store)
    stored: list[tuple[str, int]] = []
    unreadable = 0
    batch: list[Incoming] = []
    for note, raw, problem in _messages(paths):
        if problem:
            unreadable += 1
            _err.print(f"[red]{note}: {problem}[/red]")
            continue
        try:
            service.check_size(len(raw))
        except ReportRefused as exc:
            unreadable += 1
            _err.print(f"[red]{note}: not stored: {exc}[/red]")
            continue
        batch.append(Incoming(raw, "file", reporter, note))
        if len(batch) >= _BATCH:
            stored += _store(service, batch)
            batch = []
    stored += _store(service, batch)
    _err.print(f"stored {len(stored)} report(s) in {settings.server.data_dir}"
               + (f"; {unreadable} file(s) not stored" if unreadable else ""))
    if not queue_only and stored:
        _analyse(service, len(stored))
    _summary([(note, store.submission_reports(sid)) for note, sid in stored], fmt)
    store.close()
    if not stored and unreadable:
        fail(f"none of the {unreadable} input(s) could be stored")


def _store(service: ReportingService, batch: list[Incoming]) -> list[tuple[str, int]]:
    if not batch:
        return []
    ids = service.submit_many(batch)
    return [(item.note, sid) for item, sid in zip(batch, ids, strict=True)]


def _messages(paths: list[Path]) -> Iterator[tuple[str, bytes, str | None]]:
    """(where, raw message, problem) for every message under the paths, in order."""
    for path in paths:
        for file in _files(path):
            try:
                for index, raw in enumerate(iter_message_file(file)):
                    yield (f"{file}#{index}" if index else str(file)), raw, None
            except (OSError, ValueError) as exc:
                yield str(file), b"", f"cannot read ({exc})"


def _files(path: Path) -> Iterator[Path]:
    if not path.exists():
        yield path  # read and named as missing
    elif path.is_dir() and not ((path / "cur").is_dir() or (path / "new").is_dir()):
        for child in sorted(path.iterdir()):
            if not child.name.startswith("."):
                yield from _files(child)
    else:
        yield path


def _analyse(service: ReportingService, total: int) -> None:
    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=_err, transient=True) as bar:
        task = bar.add_task("analysing", total=total)
        service.process_until_idle(lambda n: bar.advance(task, n))


def _summary(rows: list[tuple[str, dict[str, Any] | None]], fmt: Format) -> None:
    if fmt is Format.json:
        out = [{"file": note, **(found or {})} for note, found in rows]
        sys.stdout.write(json.dumps(out, indent=2, default=str) + "\n")
        return
    verdicts: dict[str, int] = {}
    for note, found in rows:
        for report in (found or {}).get("reports", []):
            key = report["verdict"] or report["state"]
            verdicts[key] = verdicts.get(key, 0) + 1
            if report["state"] == "error":
                _err.print(f"[yellow]{note}: report {report['id']}: {report['error']}[/yellow]")
    typer.echo(", ".join(f"{k}: {v}" for k, v in sorted(verdicts.items())) or "no reports")


def add_user_command(
    name: str = typer.Argument(..., help="Login name."),
    config: Path | None = typer.Option(None, "--config", "-c", help=CONFIG_HELP),
    data_dir: Path | None = typer.Option(None, "--data-dir", "-d", help=DATA_DIR_HELP),
    database_url: str | None = typer.Option(None, "--database-url", help=DATABASE_HELP),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input (scripts)."
    ),
) -> None:
    """Create a login for the service's pages, or set a new password for an existing one."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < auth.MIN_PASSWORD_LENGTH:
        fail(f"the password needs at least {auth.MIN_PASSWORD_LENGTH} characters "
             "(three random words: `phalanx passwords generate`)")
    store = open_store(service_settings(config, data_dir, database_url))
    store.set_user(name, auth.hash_password(password))
    store.close()
    typer.echo(f"user {name} can now log in", err=True)


def add_token_command(
    name: str = typer.Argument(..., help="What the token is for (e.g. mail-gateway)."),
    config: Path | None = typer.Option(None, "--config", "-c", help=CONFIG_HELP),
    data_dir: Path | None = typer.Option(None, "--data-dir", "-d", help=DATA_DIR_HELP),
    database_url: str | None = typer.Option(None, "--database-url", help=DATABASE_HELP),
) -> None:
    """Create an API token (printed once; only its digest is stored)."""
    store = open_store(service_settings(config, data_dir, database_url))
    typer.echo(auth.create_token(store, name))
    store.close()
