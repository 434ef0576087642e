"""Helpers every command shares: settings, output files, error exits."""

from __future__ import annotations

import inspect
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


def reflow(text: str) -> str:
    """Help text with each prose paragraph on one line, for the terminal to wrap.

    Typer keeps a docstring's line breaks, so lines wrapped at 90 in the source come out
    ragged at 80 columns. A paragraph with an indented line (an example) or a list item is
    kept as written.
    """
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(
        paragraph if any(_laid_out(line) for line in paragraph.splitlines())
        else " ".join(line.strip() for line in paragraph.splitlines())
        for paragraph in paragraphs
    )


def _laid_out(line: str) -> bool:
    return line[:1].isspace() or line.startswith(("- ", "* ", "\b"))


def reflow_help(app: typer.Typer) -> None:
    """Reflow the help of every command of `app` and of the sub-applications under it."""
    for command in app.registered_commands:
        text = command.help if command.help is not None else inspect.getdoc(command.callback)
        if text:
            command.help = reflow(text)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            reflow_help(group.typer_instance)
