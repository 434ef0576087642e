"""`phalanx signins simulate`: labelled sign-in logs of a made-up organisation under attack.

The lead registers `simulate_command` on the `phalanx signins` app.
"""

from __future__ import annotations

import time
from pathlib import Path

import typer

from phalanx.cli.common import fail


def simulate_command(
    out: Path = typer.Option(..., "--out", "-o", help="Folder to write the logs and truth.json."),
    users: int = typer.Option(2_000, "--users", min=100, help="People in the organisation."),
    days: int = typer.Option(14, "--days", min=2, help="Days of logs, starting on a Monday."),
    seed: int = typer.Option(1, "--seed", help="Same seed, same logs, byte for byte."),
    events: int = typer.Option(
        500_000, "--events", min=1_000, help="Rough total number of sign-in events."
    ),
    attacks_per_type: int = typer.Option(
        1, "--attacks-per-type", min=1, help="How many attacks of each type to plant."
    ),
    formats: str = typer.Option(
        "entra,windows,syslog",
        "--formats",
        help="Logs to write, comma-separated: entra (Graph signIn JSON lines), windows "
        "(Security events as JSON lines), syslog (sshd).",
    ),
) -> None:
    """Write realistic sign-in logs with labelled attacks, to measure detectors against.

    The organisation works office hours from shared NAT and VPN addresses, mistypes
    passwords, travels, and lives through a password-policy change; into that go a burst
    spray, a low-and-slow spray, a distributed spray, sprays that guess a password or are
    stopped by MFA, a brute force, credential stuffing and user enumeration. `truth.json`
    lists each: id, type, sources, accounts, compromised, start and end.

    Examples:

      phalanx signins simulate --out sim/ --users 500 --days 7

      phalanx signins simulate --out big/ --users 20000 --days 30 --events 10000000
    """
    from phalanx.signins.simulate.run import parse_formats, simulate

    try:
        logs = parse_formats(formats)
    except ValueError as exc:
        fail(str(exc))
    began = time.perf_counter()
    truth = simulate(
        out,
        users=users,
        days=days,
        seed=seed,
        events=events,
        logs=logs,
        attacks_per_type=attacks_per_type,
    )
    took = time.perf_counter() - began
    total = sum(truth.events.values())
    typer.echo(
        f"{total:,} sign-in events in {len(truth.events)} file(s) under {out} ({took:.1f} s)"
    )
    for attack in truth.attacks:
        label = "benign" if attack.benign else attack.kind
        typer.echo(
            f"  {attack.id:28} {label:28} {len(attack.sources):4} source(s) "
            f"{len(attack.accounts):5} account(s) {attack.start:%Y-%m-%d %H:%M}"
        )
    typer.echo(f"Ground truth: {out / 'truth.json'}")
