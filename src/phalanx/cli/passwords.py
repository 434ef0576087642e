"""`phalanx passwords ...`: check, audit, generate, build-store, mfa-gaps.

Thin: parse flags, load settings once, call the passwords capability, print. The MFA-gap
command is the one place that reads sign-in logs (through the sign-ins readers) and hands the
table to the passwords capability, which never imports the sign-ins capability itself.
"""

from __future__ import annotations

import csv
import gc
import getpass
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pyarrow as pa
import typer
from rich.console import Console
from rich.table import Table

from phalanx.config import Settings, load_settings
from phalanx.core import Finding
from phalanx.core.errors import InputError, PhalanxError
from phalanx.passwords.audit import AuditInputs, AuditResult
from phalanx.passwords.audit import audit as run_audit
from phalanx.passwords.candidates import default_rules
from phalanx.passwords.dumps import read_dump
from phalanx.passwords.generate import generate as generate_phrase
from phalanx.passwords.loading import audit_words, build_policy
from phalanx.passwords.mfa import mfa_gaps, read_registrations, read_report, to_findings
from phalanx.passwords.policy import check_password
from phalanx.passwords.pwned import build_store, open_pwned_source

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


def _format(value: str) -> str:
    if value not in ("table", "json", "csv"):
        raise typer.BadParameter(f"{value!r}: use table, json or csv")
    return value


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
    gc.freeze()  # the lists live until exit: keep their 200k objects out of every GC pass
    refused = 0
    for number, password in _candidates():
        result = check_password(password, policy, user)
        record: dict[str, object] = {"line": number, **result.to_dict()}
        if show:
            record["password"] = password
            record["matched_terms"] = list(result.matched_terms)
        sys.stdout.write(orjson.dumps(record).decode() + "\n")
        sys.stdout.flush()
        refused += not result.accepted
    raise typer.Exit(1 if refused else 0)


def _candidates() -> Iterator[tuple[int, str]]:
    """Streamed: each answer is printed before the next line is read (works in a pipe)."""
    if sys.stdin.isatty():
        yield 1, getpass.getpass("Password to check (not shown): ")
        return
    for number, line in enumerate(sys.stdin, start=1):
        yield number, line.rstrip("\r\n")


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


@app.command()
def audit(
    hashfile: Path = typer.Argument(..., help="Hash dump: secretsdump, pwdump, DSInternals, or "
                                    "user:nthash lines (detected from the content)."),
    output: str = typer.Option("table", "--format", "-f", help="table, json or csv.",
                               callback=_format),
    reveal: bool = typer.Option(False, "--reveal", help="Show the guessed passwords (keep the "
                                "output as secret as the dump)."),
    wordlist: list[Path] = WORDLIST,
    pwned: Path | None = typer.Option(None, "--pwned", "-p", help="Pwned Passwords in NTLM "
                                      "form: a store from build-store, a sorted file or a "
                                      "per-prefix directory."),
    workers: int = typer.Option(0, "--workers", help="Processes for hashing (0 = one per CPU)."),
    config: Path | None = CONFIG,
) -> None:
    """Find existing passwords a sprayer would guess, from an AD hash dump.

    Reports empty passwords, stored LM hashes, user name as password, default computer
    passwords, passwords shared between accounts, deny-list passwords, and passwords a
    sprayer's rules make from a base word (seasons, months, years 1990-2030, sector and
    organisation words, common passwords, your --wordlist): each with the base word and rule.

    Example: phalanx passwords audit ntds.secretsdump -w ncsc-pwned-top100k.txt -f json
    """
    settings = load_settings(config).passwords
    try:
        _, accounts = read_dump(hashfile)
        store = open_pwned_source(pwned) if pwned else None
        if store is not None and store.kind != "ntlm":
            raise InputError("audit needs Pwned Passwords in NTLM form (the downloader's -n); "
                             "this one is SHA-1", path=str(pwned))
        inputs = AuditInputs(audit_words(settings, wordlist),
                             default_rules(settings.first_year, settings.last_year), store,
                             workers or settings.workers, reveal)
        result = run_audit(accounts, inputs)
    except PhalanxError as error:
        raise _fail(error) from error
    _print_audit(result, output, reveal)
    raise typer.Exit(1 if result.findings else 0)


def _print_audit(result: AuditResult, output: str, reveal: bool) -> None:
    if output == "json":
        sys.stdout.write(orjson.dumps(result.to_dict(), option=orjson.OPT_INDENT_2).decode()
                         + "\n")
        return
    columns = AUDIT_COLUMNS if reveal else AUDIT_COLUMNS[:-1]
    rows = [_audit_row(f)[: len(columns)] for f in result.findings]
    if output == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
        return
    table = Table(*columns, title=f"{len(result.findings)} findings in "
                  f"{result.accounts} accounts ({result.candidates:,} candidates tried)")
    for row in rows:
        table.add_row(*row)
    Console().print(table)


AUDIT_COLUMNS = ("severity", "kind", "accounts", "base word", "rule", "list", "count",
                 "password")


def _audit_row(finding: Finding) -> list[str]:
    details = finding.details
    return [finding.severity.label, finding.kind.removeprefix("passwords."),
            " ".join(finding.accounts), str(details.get("base_word", "")),
            str(details.get("rule", "")), str(details.get("list", "")),
            str(details.get("pwned_count", details.get("group_size", ""))),
            str(details.get("password", ""))]


@app.command("build-store")
def build_store_command(
    sources: list[Path] = typer.Argument(..., help="HIBP files (HASH:COUNT, one sorted file) "
                                         "or per-prefix directories from the downloader."),
    out: Path = typer.Option(..., "--out", "-o", help="Store file to write."),
) -> None:
    """Turn Have I Been Pwned Pwned Passwords downloads into a compact store (14 bytes/hash).

    Use the NTLM form (haveibeenpwned-downloader -n) for `audit`, either form for `check`.
    """
    started = time.perf_counter()
    try:
        kind, count = build_store(sources, out)
    except PhalanxError as error:
        raise _fail(error) from error
    elapsed = time.perf_counter() - started
    typer.echo(f"{out}: {count:,} {kind} hashes, {out.stat().st_size / max(count, 1):.1f} "
               f"bytes/hash, {count / max(elapsed, 1e-9):,.0f} hashes/s")


@app.command("mfa-gaps")
def mfa_gaps_command(
    signin_logs: list[Path] = typer.Option([], "--signins", "-s", help="Sign-in logs (Entra "
                                           "sign-in exports and any format `phalanx signins "
                                           "scan` reads); repeat for more."),
    registrations: Path | None = typer.Option(None, "--registrations", "-r", help="Graph "
                                              "userRegistrationDetails export (JSON or CSV)."),
    spray_report: Path | None = typer.Option(None, "--spray-report", help="JSON of `phalanx "
                                             "signins scan --format json`."),
    audit_report: Path | None = typer.Option(None, "--audit-report", help="JSON of `phalanx "
                                             "passwords audit --format json`."),
    output: str = typer.Option("table", "--format", "-f", help="table, json or csv.",
                               callback=_format),
    config: Path | None = CONFIG,
) -> None:
    """Accounts that sign in with a password alone, most exposed first.

    Sprayed + no second factor + guessable password comes first (critical), then two of the
    three (high), then no second factor alone (medium).

    Example: phalanx passwords mfa-gaps -s signins.json -r registrations.csv
    --spray-report scan.json --audit-report audit.json
    """
    settings = load_settings(config)
    try:
        table = _read_signins(signin_logs, settings) if signin_logs else None
        gaps = mfa_gaps(table, read_registrations(registrations) if registrations else (),
                        read_report(spray_report) if spray_report else None,
                        read_report(audit_report) if audit_report else None)
    except PhalanxError as error:
        raise _fail(error) from error
    findings = to_findings(gaps)
    if output == "json":
        sys.stdout.write(orjson.dumps({"findings": [f.to_dict() for f in findings]},
                                      option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    columns = ("severity", "account", "single-factor sign-ins", "sprayed", "guessable",
               "MFA registered")
    rows = [[f.severity.label, f.accounts[0], str(f.details["single_factor_signins"]),
             "compromised" if f.compromised else ("yes" if f.details["sprayed"] else ""),
             " ".join(f.details["guessable"]), _yes_no(f.details["mfa_registered"])]
            for f in findings]
    if output == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
        return
    table_out = Table(*columns, title=f"{len(findings)} accounts without a second factor")
    for row in rows:
        table_out.add_row(*row)
    Console().print(table_out)


def _yes_no(value: object) -> str:
    if value is None:
        return "unknown"
    return "yes" if value else "no"


def _read_signins(paths: list[Path], settings: Settings) -> pa.Table:
    """Sign-ins through the sign-ins capability's readers (only the shell may use both)."""
    from phalanx.signins.readers import InputStats, detect, open_inputs
    from phalanx.signins.schema import SIGNIN_SCHEMA

    problems: list[InputStats] = []
    batches: list[pa.RecordBatch] = []
    for source in open_inputs(paths, problems):
        reader = detect(source, source.head())
        stats = InputStats(path=source.name)
        if reader is None:
            typer.secho(f"warning: {source.name}: not a sign-in log format Phalanx reads; "
                        "skipped", fg="yellow", err=True)
            continue
        stats.format = reader.NAME
        batches.extend(reader.read(source, stats, settings.signins))
        for example in stats.skips.examples[:5]:
            typer.secho(f"warning: {example}", fg="yellow", err=True)
    for problem in problems:
        for example in problem.skips.examples:
            typer.secho(f"warning: {example}", fg="yellow", err=True)
    return pa.Table.from_batches(batches, schema=SIGNIN_SCHEMA)
