"""Helpers every command shares: settings, output files, error exits."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import typer

from phalanx.config import Settings, load_settings
from phalanx.core.errors import PhalanxError

CONFIG_HELP = "TOML configuration file (defaults are documented in docs/configuration.md)."


def settings_from(config: Path | None) -> Settings:
    try:
        return load_settings(config)
    except PhalanxError as exc:
        fail(str(exc))


def fail(message: str, code: int = 2) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def write_output(text: str, output: Path | None) -> None:
    """To the file when given, else to stdout."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
