"""`phalanx` — the entry point; one sub-application per capability."""

from __future__ import annotations

import typer

from phalanx import __version__
from phalanx.cli import mail, passwords, signins
from phalanx.cli.common import reflow_help
from phalanx.cli.serve import serve_command

app = typer.Typer(
    name="phalanx",
    help=(
        "Defence kit against password spraying, guessable passwords and phishing.\n\n"
        "Start with `phalanx signins demo` to see a scan of generated example logs, then "
        "`phalanx signins scan YOUR_LOGS`."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(signins.app, name="signins")
app.add_typer(passwords.app, name="passwords")
app.add_typer(mail.app, name="mail")
app.command("serve")(serve_command)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"phalanx {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Phalanx command line."""


reflow_help(app)


if __name__ == "__main__":  # pragma: no cover
    app()
