"""`phalanx mail ...`: analyse suspicious mail (the reporting service comes with `serve`)."""

from __future__ import annotations

import typer

from phalanx.cli.mail_analyze import analyze_command

app = typer.Typer(
    help=(
        "Suspicious email: `analyze` tells what a reported message is (verdict, category, "
        "reasons, indicators) without rendering its HTML or fetching its links."
    ),
    no_args_is_help=True,
)
app.command("analyze")(analyze_command)
