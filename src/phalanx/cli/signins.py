"""`phalanx signins ...` commands (being written)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Sign-in log commands.", no_args_is_help=True)
