"""Example logs of a small organisation under attack, for `phalanx signins demo` and the tests.

Two days (Monday and Tuesday) of a hospital trust with 150 staff on Entra ID and a research
login node running sshd. Background: working-hours sign-ins from the office NAT and from home
with MFA, the odd typo followed by a success. Planted (see `truth.json`):
- an Entra ID password spray from one IP over 40 accounts in a few minutes at night; one
  password guessed (a success, and the attacker back hours later) and one stopped by MFA;
- an sshd brute force against root from one IP;
- an sshd spray over 20 accounts (real and typical service names), two passwords each;
- a backup job with a stale password failing every 15 minutes from one internal host (benign).
Deterministic from the seed.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from phalanx.signins.simulate.formats import (
    BROWSER_OUTLOOK,
    MOBILE_OUTLOOK,
    SPRAY_TOOL,
    TEAMS,
    Attempt,
    EntraApp,
    Result,
    entra_signin,
    sshd_closed,
    sshd_line,
    sshd_messages,
)
from phalanx.signins.simulate.names import person_names
from phalanx.signins.simulate.networks import ATTACKERS, HOME, ORGANISATION, asn_of
from phalanx.signins.simulate.truth import PlantedAttack, Truth, span

ExampleTruth = Truth  # what write_example_logs returns; also written as truth.json

DOMAIN = "northfield-health.example"
START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
DAYS = 2
OFFICE_NAT = "192.0.2.10"
ENTRA_FILE = "entra-signins.json"
SSHD_FILE = "sshd-auth.log"
SSH_HOST = "login1"
ENTRA_SPRAY_IP = "203.0.113.77"
SSH_BRUTE_IP = "198.51.100.23"
SSH_SPRAY_IP = "203.0.113.150"
STALE_HOST_IP = "10.20.0.15"
STALE_ACCOUNT = "svc-backup"
SERVICE_NAMES = (
    "admin", "test", "oracle", "ubuntu", "postgres", "git", "user",
    "guest", "ftpuser", "deploy", "pi", "hadoop",
)  # fmt: skip
DEPARTED = ("m.hughes", "t.oconnor", "r.patel2")  # on the attacker's list, gone from the directory


@dataclass
class _Logs:
    entra: list[Attempt] = field(default_factory=list)
    ssh: list[tuple[datetime, str]] = field(default_factory=list)  # (time, message)
    ssh_attempts: int = 0


def write_example_logs(directory: Path, seed: int = 7) -> ExampleTruth:
    """Write entra-signins.json, sshd-auth.log and truth.json into `directory`."""
    rng = random.Random(seed)
    staff = person_names(rng, 150)
    researchers = [*staff[:24], STALE_ACCOUNT]
    logs = _Logs()
    _entra_background(rng, staff, logs)
    ssh = _SshWriter(rng, frozenset(researchers))
    _ssh_background(rng, staff[:24], ssh)
    attacks = [
        _entra_spray(rng, staff, logs),
        _ssh_brute_force(rng, ssh),
        _ssh_spray(rng, staff[:24], ssh),
        _stale_password(rng, ssh),
    ]
    directory.mkdir(parents=True, exist_ok=True)
    _write_entra(directory / ENTRA_FILE, logs.entra, seed)
    end = START + timedelta(days=DAYS)
    _write_sshd(directory / SSHD_FILE, ssh.lines, end)
    truth = Truth(
        seed=seed,
        start=START,
        end=end,
        attacks=tuple(attacks),
        events={ENTRA_FILE: len(logs.entra), SSHD_FILE: ssh.attempts},
    )
    truth.write_json(directory / "truth.json")
    return truth


def _working_days() -> Iterator[datetime]:
    for day in range(DAYS):
        midnight = START + timedelta(days=day)
        if midnight.weekday() < 5:
            yield midnight


def _entra_background(rng: random.Random, staff: list[str], logs: _Logs) -> None:
    homes = {
        name: f"2001:db8:{rng.randrange(0x1000, 0xFFFF):x}::{rng.randrange(2, 250):x}"
        for name in staff
    }
    for midnight in _working_days():
        for name in staff:
            for _ in range(rng.randint(4, 8)):
                moment = midnight + timedelta(seconds=rng.uniform(7.5 * 3600, 18 * 3600))
                in_office = rng.random() < 0.7
                source = OFFICE_NAT if in_office else homes[name]
                app = rng.choice((BROWSER_OUTLOOK, TEAMS, MOBILE_OUTLOOK))
                _entra_session(rng, logs, moment, name, source, app, mfa=not in_office)


def _entra_session(
    rng: random.Random,
    logs: _Logs,
    moment: datetime,
    name: str,
    source: str,
    app: EntraApp,
    *,
    mfa: bool,
) -> None:
    if rng.random() < 0.04:  # a typo, then the right password a few seconds later
        logs.entra.append(Attempt(moment, name, source, Result.BAD_PASSWORD, app=app))
        moment += timedelta(seconds=rng.uniform(8, 40))
    if mfa and rng.random() < 0.3:  # the MFA prompt interrupts, then the user approves it
        logs.entra.append(Attempt(moment, name, source, Result.MFA_REQUIRED, app=app))
        moment += timedelta(seconds=rng.uniform(10, 45))
    logs.entra.append(Attempt(moment, name, source, Result.SUCCESS, mfa=mfa, app=app))


def _entra_spray(rng: random.Random, staff: list[str], logs: _Logs) -> PlantedAttack:
    targets = [*rng.sample(staff[24:], 37), *DEPARTED]
    rng.shuffle(targets)
    staff_targeted = [name for name in targets if name not in DEPARTED]
    guessed, stopped = staff_targeted[5], staff_targeted[21]
    moment = START + timedelta(days=1, hours=2, minutes=10)
    times = []
    for name in targets:
        moment += timedelta(seconds=rng.uniform(4, 15))
        result = Result.UNKNOWN_ACCOUNT if name in DEPARTED else Result.BAD_PASSWORD
        if name == guessed:
            result = Result.SUCCESS
        elif name == stopped:
            result = Result.MFA_REQUIRED
        logs.entra.append(Attempt(moment, name, ENTRA_SPRAY_IP, result, app=SPRAY_TOOL))
        times.append(moment)
    # Three hours later the attacker comes back and reads the guessed account's mail.
    comeback = moment + timedelta(hours=3, minutes=rng.randint(0, 30))
    logs.entra.append(
        Attempt(comeback, guessed, ENTRA_SPRAY_IP, Result.SUCCESS, app=BROWSER_OUTLOOK)
    )
    start, end = span([*times, comeback])
    return PlantedAttack(
        id="entra-burst-spray",
        type="spray_with_success",
        kind="signins.password_spray",
        sources=(ENTRA_SPRAY_IP,),
        accounts=tuple(sorted(targets)),
        compromised=tuple(sorted((guessed, stopped))),
        start=start,
        end=end,
        logs=(ENTRA_FILE,),
        attempts=len(targets) + 1,
        description=(
            f"One password tried against {len(targets)} accounts from one IP; {guessed}'s "
            f"password was right (signed in, and again three hours later), {stopped}'s too "
            "but MFA stopped the sign-in."
        ),
    )


class _SshWriter:
    """sshd lines for one host, with a new process id per connection as sshd forks."""

    def __init__(self, rng: random.Random, valid: frozenset[str]) -> None:
        self.rng = rng
        self.valid = valid
        self.pid = 21873
        self.lines: list[tuple[datetime, str]] = []
        self.attempts = 0

    def connect(self, attempt: Attempt) -> None:
        self.pid += self.rng.randint(1, 40)
        port = self.rng.randint(32768, 60999)
        for message in sshd_messages(attempt, port, self.valid):
            self.lines.append((attempt.time, sshd_line(attempt.time, SSH_HOST, self.pid, message)))
        self.attempts += 1
        if attempt.result is not Result.SUCCESS:
            closed = sshd_closed(attempt, port, self.valid)
            later = attempt.time + timedelta(seconds=2)
            self.lines.append((later, sshd_line(later, SSH_HOST, self.pid, closed)))

    def publickey(self, moment: datetime, name: str, source: str) -> None:
        self.pid += self.rng.randint(1, 40)
        port = self.rng.randint(32768, 60999)
        key = "".join(
            self.rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
            for _ in range(43)
        )
        message = (
            f"Accepted publickey for {name} from {source} port {port} ssh2: ED25519 SHA256:{key}"
        )
        self.lines.append((moment, sshd_line(moment, SSH_HOST, self.pid, message)))
        self.attempts += 1


def _ssh_background(rng: random.Random, researchers: list[str], ssh: _SshWriter) -> None:
    for midnight in _working_days():
        for name in researchers:
            for _ in range(rng.randint(1, 3)):
                moment = midnight + timedelta(seconds=rng.uniform(8 * 3600, 19 * 3600))
                source = f"10.10.{rng.randint(1, 40)}.{rng.randint(2, 250)}"
                if rng.random() < 0.6:
                    ssh.publickey(moment, name, source)
                    continue
                if rng.random() < 0.1:
                    ssh.connect(Attempt(moment, name, source, Result.BAD_PASSWORD))
                    moment += timedelta(seconds=rng.uniform(5, 30))
                ssh.connect(Attempt(moment, name, source, Result.SUCCESS))


def _ssh_brute_force(rng: random.Random, ssh: _SshWriter) -> PlantedAttack:
    moment = START + timedelta(hours=13, minutes=5)
    times = []
    for _ in range(240):
        moment += timedelta(seconds=rng.uniform(3, 12))
        ssh.connect(Attempt(moment, "root", SSH_BRUTE_IP, Result.BAD_PASSWORD))
        times.append(moment)
    start, end = span(times)
    return PlantedAttack(
        id="ssh-brute-force",
        type="brute_force",
        kind="signins.brute_force",
        sources=(SSH_BRUTE_IP,),
        accounts=("root",),
        compromised=(),
        start=start,
        end=end,
        logs=(SSHD_FILE,),
        attempts=len(times),
        description="240 passwords tried against root from one IP in about half an hour.",
    )


def _ssh_spray(rng: random.Random, researchers: list[str], ssh: _SshWriter) -> PlantedAttack:
    targets = [*rng.sample(researchers, 8), *SERVICE_NAMES]
    moment = START + timedelta(days=1, hours=21, minutes=40)
    times = []
    for _password in range(2):  # two common passwords, each tried across the whole list
        for name in targets:
            moment += timedelta(seconds=rng.uniform(20, 50))
            ssh.connect(Attempt(moment, name, SSH_SPRAY_IP, Result.BAD_PASSWORD))
            times.append(moment)
    start, end = span(times)
    return PlantedAttack(
        id="ssh-spray",
        type="burst_spray",
        kind="signins.password_spray",
        sources=(SSH_SPRAY_IP,),
        accounts=tuple(sorted(targets)),
        compromised=(),
        start=start,
        end=end,
        logs=(SSHD_FILE,),
        attempts=len(times),
        description=f"Two passwords tried against {len(targets)} accounts from one IP.",
    )


def _stale_password(rng: random.Random, ssh: _SshWriter) -> PlantedAttack:
    moment = START + timedelta(minutes=rng.randint(0, 14), seconds=rng.randint(0, 59))
    times = []
    while moment < START + timedelta(days=DAYS):
        ssh.connect(Attempt(moment, STALE_ACCOUNT, STALE_HOST_IP, Result.BAD_PASSWORD))
        times.append(moment)
        moment += timedelta(minutes=15)
    start, end = span(times)
    return PlantedAttack(
        id="stale-service-password",
        type="stale_password",
        kind="signins.stale_credentials",
        sources=(STALE_HOST_IP,),
        accounts=(STALE_ACCOUNT,),
        compromised=(),
        start=start,
        end=end,
        logs=(SSHD_FILE,),
        attempts=len(times),
        benign=True,
        description="A backup job still holding an old password fails every 15 minutes.",
    )


def _write_entra(path: Path, attempts: list[Attempt], seed: int) -> None:
    # Graph returns sign-ins newest first, in pages of {"@odata.context", "value"}.
    ordered = sorted(attempts, key=lambda a: a.time, reverse=True)
    page = {
        "@odata.context": "https://graph.microsoft.com/beta/$metadata#auditLogs/signIns",
        "value": [
            entra_signin(replace(a, asn=_asn(a.source)), DOMAIN, n, seed)
            for n, a in enumerate(ordered)
        ],
    }
    path.write_bytes(orjson.dumps(page))


def _asn(source: str) -> int:
    """The office's ISP, a spraying proxy's hosting network, or a home broadband provider."""
    if source == OFFICE_NAT:
        return ORGANISATION[0]
    return asn_of(source, ATTACKERS if source == ENTRA_SPRAY_IP else HOME)


def _write_sshd(path: Path, lines: list[tuple[datetime, str]], end: datetime) -> None:
    lines.sort(key=lambda item: item[0])
    path.write_text("".join(line for _, line in lines), encoding="utf-8")
    # A rotated log's modification time is its last line: what syslog readers infer the year from.
    stamp = end.timestamp()
    os.utime(path, (stamp, stamp))
