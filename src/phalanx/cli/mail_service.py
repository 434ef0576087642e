"""`phalanx mail ingest | add-user | add-token`: the reporting service's store from the shell.

Registered on the `phalanx mail` app by cli/mail.py.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

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
    outcome = _Stored()
    if queue_only:
        _store_all(service, paths, reporter, outcome)
    else:
        # Storing (one thread, disk-bound) and analysing (worker processes) overlap.
        storing = threading.Thread(target=_store_all, args=(service, paths, reporter, outcome))
        storing.start()
        _analyse(service, outcome)
        storing.join()
    if outcome.failure:
        fail(outcome.failure)
    _err.print(f"stored {len(outcome.stored)} report(s) in {settings.server.data_dir}"
               + (f"; {outcome.unreadable} input(s) not stored" if outcome.unreadable else ""))
    if queue_only:
        typer.echo(f"{len(outcome.stored)} report(s) queued for the running service")
    else:
        _summary(service, outcome, fmt)
    store.close()
    if not outcome.stored and outcome.unreadable:
        fail(f"none of the {outcome.unreadable} input(s) could be stored")


@dataclass
class _Stored:
    stored: list[tuple[str, int]] = field(default_factory=list)  # (file, submission id)
    unreadable: int = 0
    failure: str | None = None
    done: threading.Event = field(default_factory=threading.Event)


def _store_all(
    service: ReportingService, paths: list[Path], reporter: str | None, outcome: _Stored
) -> None:
    batch: list[Incoming] = []
    try:
        for note, raw, problem in _messages(paths):
            if problem:
                outcome.unreadable += 1
                _err.print(f"[red]{note}: {problem}[/red]")
                continue
            try:
                service.check_size(len(raw))
            except ReportRefused as exc:
                outcome.unreadable += 1
                _err.print(f"[red]{note}: not stored: {exc}[/red]")
                continue
            batch.append(Incoming(raw, "file", reporter, note))
            if len(batch) >= _BATCH:
                outcome.stored += _store(service, batch)
                batch = []
        outcome.stored += _store(service, batch)
    except Exception as exc:  # the store failed: say so, after what was stored is analysed
        outcome.failure = f"storing stopped: {type(exc).__name__}: {exc}"
    finally:
        outcome.done.set()


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


def _analyse(service: ReportingService, outcome: _Stored) -> None:
    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=_err, transient=True) as bar:
        task = bar.add_task("analysing", total=None)

        def advance(count: int) -> None:
            total = None if not outcome.done.is_set() else len(outcome.stored)
            bar.update(task, advance=count, total=total)

        service.process_until_idle(advance, input_done=outcome.done)


def _summary(service: ReportingService, outcome: _Stored, fmt: Format) -> None:
    if fmt is Format.json:
        found = service.store.reports_of([sid for _, sid in outcome.stored])
        rows = [{"file": note, "submission": sid, "reports": found[sid]}
                for note, sid in outcome.stored]
        sys.stdout.write(json.dumps(rows, indent=2, default=str) + "\n")
        return
    files = {sid: note for note, sid in outcome.stored}
    for rid, why in service.progress.errors:
        note = files.get(int(rid.partition(".")[0]), "?")
        _err.print(f"[yellow]{note}: report {rid}: {why}[/yellow]")
    verdicts = service.progress.verdicts
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
