"""`phalanx passwords ...`: check, audit, generate, build-store, mfa-gaps.

Thin: parse flags, load settings once, call the passwords capability, print. The MFA-gap
command is the one place that reads sign-in logs (through the sign-ins readers) and hands the
table to the passwords capability, which never imports the sign-ins capability itself.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import orjson
import typer

from phalanx.config import load_settings
from phalanx.core.errors import PhalanxError
from phalanx.passwords.generate import generate as generate_phrase
from phalanx.passwords.loading import build_policy
from phalanx.passwords.policy import check_password

app = typer.Typer(
    help=(
        "Guessable passwords: stop new ones, find existing ones, hand out good ones.\n\n"
        "  check        would a sprayer guess this password? (stdin, one a line)\n"
        "  audit        which of our existing passwords would a sprayer guess? (AD hash dump)\n"
        "  generate     three random words, with their entropy\n"
        "  build-store  turn Have I Been Pwned hash files into a compact store\n"
        "  mfa-gaps     who signs in with a password alone; sprayed + no MFA + weak first"
    ),
    no_args_is_help=True,
)

CONFIG = typer.Option(None, "--config", "-c", help="Settings file (TOML); defaults otherwise.")
WORDLIST = typer.Option([], "--wordlist", "-w",
                        help="A plain list of banned passwords, one a line (e.g. the NCSC top "
                             "100k). Repeat for more lists.")
PWNED = typer.Option([], "--pwned", "-p",
                     help="Have I Been Pwned hashes: a store from build-store, a sorted "
                          "HASH:COUNT file, or a directory of per-prefix files (SHA-1 or NTLM).")


def _fail(error: PhalanxError) -> typer.Exit:
    typer.secho(f"error: {error}", fg="red", err=True)
    return typer.Exit(2)


@app.command()
def check(
    config: Path | None = CONFIG,
    wordlist: list[Path] = WORDLIST,
    pwned: list[Path] = PWNED,
    user: list[str] = typer.Option([], "--user", "-u",
                                   help="The person's names or account; passwords built on "
                                        "them are refused."),
    show: bool = typer.Option(False, "--show", help="Include each password in the output."),
) -> None:
    """Judge candidate passwords: one NDJSON line per password, in input order.

    Reads passwords one a line from standard input, or asks for one without echo when run at a
    terminal. Each output line is {"line": n, "accepted": true|false, "reasons": [...],
    "guesses_log10": x}. The exit status is 1 when any password was refused.

    Example: printf 'Winter2024!\\ncorrect-horse-battery\\n' | phalanx passwords check
    """
    try:
        policy = build_policy(load_settings(config).passwords, wordlist, pwned)
    except PhalanxError as error:
        raise _fail(error) from error
    refused = 0
    for number, password in _candidates():
        result = check_password(password, policy, user)
        record: dict[str, object] = {"line": number, **result.to_dict()}
        if show:
            record["password"] = password
            record["matched_terms"] = list(result.matched_terms)
        sys.stdout.write(orjson.dumps(record).decode() + "\n")
        refused += not result.accepted
    raise typer.Exit(1 if refused else 0)


def _candidates() -> list[tuple[int, str]]:
    if sys.stdin.isatty():
        return [(1, getpass.getpass("Password to check (not shown): "))]
    return [(n, line.rstrip("\r\n")) for n, line in enumerate(sys.stdin, start=1)]


@app.command()
def generate(
    count: int = typer.Option(1, "-n", "--count", min=1, help="How many passphrases."),
    words: int = typer.Option(3, "--words", min=2, max=12, help="Words per passphrase (use 4+ "
                              "for admin and service accounts)."),
    separator: str = typer.Option("-", "--separator", help="Between words ('' for none)."),
    capital: bool = typer.Option(False, "--capital", help="Capitalise one word (legacy rules)."),
    digit: bool = typer.Option(False, "--digit", help="Append a digit (legacy rules)."),
    config: Path | None = CONFIG,
) -> None:
    """Random words from the EFF large list (cryptographic randomness), entropy shown.

    Every phrase printed passes `phalanx passwords check` with the same settings.
    """
    policy = build_policy(load_settings(config).passwords)

    def accept(text: str) -> bool:
        return check_password(text, policy).accepted

    for _ in range(count):
        phrase = generate_phrase(words, separator, capital, digit, accept)
        typer.echo(f"{phrase.text}\t{phrase.bits:.1f} bits")
