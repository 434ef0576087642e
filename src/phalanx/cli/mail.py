"""`phalanx mail ...`: analyse suspicious mail; feed and administer the reporting service."""

from __future__ import annotations

import typer

from phalanx.cli.mail_analyze import analyze_command
from phalanx.cli.mail_service import add_token_command, add_user_command, ingest_command

app = typer.Typer(
    help=(
        "Suspicious email: `analyze` tells what a reported message is (verdict, category, "
        "reasons, indicators) without rendering its HTML or fetching its links; `ingest` "
        "stores reports in the reporting service (`phalanx serve`) and analyses them; "
        "`add-user` and `add-token` let people and tools into the service."
    ),
    no_args_is_help=True,
)
app.command("analyze")(analyze_command)
app.command("ingest")(ingest_command)
app.command("add-user")(add_user_command)
app.command("add-token")(add_token_command)
