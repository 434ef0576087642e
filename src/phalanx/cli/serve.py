"""`phalanx serve`: the suspicious email reporting service (HTTP API + pages + SMTP intake)."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

import typer

from phalanx.cli.common import CONFIG_HELP, fail, settings_from
from phalanx.config import Settings
from phalanx.core.errors import PhalanxError
from phalanx.server.service import ReportingService
from phalanx.server.smtp import smtp_intake
from phalanx.store.db import Store

DATA_DIR_HELP = "Folder of the stored reports and the SQLite database ([server] data_dir)."
DATABASE_HELP = (
    "Database URL instead of SQLite under the data folder, e.g. "
    "postgresql+psycopg://phalanx@127.0.0.1/phalanx ([server] database_url)."
)


def service_settings(
    config: Path | None, data_dir: Path | None, database_url: str | None, **server: Any
) -> Settings:
    """The settings, with the command line's choices over the file's [server] table."""
    settings = settings_from(config)
    changes: dict[str, Any] = {k: v for k, v in server.items() if v is not None}
    if data_dir is not None:
        changes["data_dir"] = data_dir
    if database_url is not None:
        changes["database_url"] = database_url
    return dataclasses.replace(settings, server=dataclasses.replace(settings.server, **changes))


def open_store(settings: Settings) -> Store:
    try:
        return Store.open(settings.server)
    except (OSError, PhalanxError) as exc:
        fail(f"cannot open the store in {settings.server.data_dir}: {exc}")
    except Exception as exc:  # SQLAlchemy: a wrong URL or an unreachable server
        fail(f"cannot open the database: {type(exc).__name__}: {exc}")


def serve_command(
    config: Path | None = typer.Option(None, "--config", "-c", help=CONFIG_HELP),
    data_dir: Path | None = typer.Option(None, "--data-dir", "-d", help=DATA_DIR_HELP),
    database_url: str | None = typer.Option(None, "--database-url", help=DATABASE_HELP),
    http_host: str | None = typer.Option(None, help="HTTP address (default 127.0.0.1)."),
    http_port: int | None = typer.Option(None, help="HTTP port (default 8025)."),
    smtp_host: str | None = typer.Option(None, help="SMTP address (default 127.0.0.1)."),
    smtp_port: int | None = typer.Option(None, help="SMTP port (default 2525)."),
    workers: int | None = typer.Option(None, help="Analysis processes (default: one a core)."),
    no_smtp: bool = typer.Option(False, "--no-smtp", help="Run without the SMTP intake."),
) -> None:
    """Run the suspicious email reporting service until interrupted (Ctrl-C or SIGTERM).

    Staff forward suspicious mail to the SMTP intake (as an attachment or inline), or a tool
    posts it to the API; every report is stored on disk before it is acknowledged, analysed by
    worker processes, grouped into campaigns, and its malicious sites become takedown cases.
    Reports left unanalysed by a crash are taken up again at start.

    First create a login for the pages and a token for the API:

      phalanx mail add-user alice -d phalanx-data

      phalanx mail add-token mail-gateway -d phalanx-data

      phalanx serve -d phalanx-data

    Then open http://127.0.0.1:8025/ and send reports to SMTP 127.0.0.1:2525 (put the
    organisation's mail gateway and a TLS reverse proxy in front; loopback is the default).
    """
    import uvicorn

    from phalanx.web.app import create_app

    settings = service_settings(
        config, data_dir, database_url, http_host=http_host, http_port=http_port,
        smtp_host=smtp_host, smtp_port=smtp_port, workers=workers,
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    server = settings.server
    store = open_store(settings)
    service = ReportingService(settings, store)
    service.start()
    smtp = None if no_smtp else smtp_intake(service)
    try:
        if smtp is not None:
            try:
                smtp.start()
            except (OSError, RuntimeError) as exc:
                fail(f"SMTP intake cannot listen on {server.smtp_host}:{server.smtp_port}: {exc}")
            typer.echo(f"SMTP intake on {server.smtp_host}:{server.smtp_port}", err=True)
        typer.echo(
            f"HTTP on http://{server.http_host}:{server.http_port}/ "
            f"(API docs /api/docs); data in {server.data_dir}; {service.workers} worker(s)",
            err=True,
        )
        uvicorn.Server(
            uvicorn.Config(
                create_app(service),
                host=server.http_host,
                port=server.http_port,
                log_level="warning",
                timeout_graceful_shutdown=5,
            )
        ).run()
    finally:
        if smtp is not None:
            smtp.stop()
        service.stop()
        store.close()
