"""`phalanx serve` (being written)."""

from __future__ import annotations

import typer


def serve() -> None:
    """Run the reporting service (HTTP API, web page, SMTP intake) on loopback."""
    typer.echo("not yet available", err=True)
    raise typer.Exit(2)
