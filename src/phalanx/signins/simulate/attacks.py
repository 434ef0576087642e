"""Attacks injected into the simulated organisation, each labelled for the ground truth.

Each scenario returns its events and one `PlantedAttack`. Sizes follow the published
descriptions of the attacks (see docs/simulator.md): a burst spray tries one password across
a couple of hundred accounts in minutes; a low-and-slow one tries one account an hour for
days; a distributed one uses each of hundreds of addresses once or twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from phalanx.signins.simulate.events import Channel, Events, Ints, Log
from phalanx.signins.simulate.formats import Result
from phalanx.signins.simulate.networks import ATTACKERS
from phalanx.signins.simulate.org import HOUR, Organisation
from phalanx.signins.simulate.truth import PlantedAttack

# First octets of hosting and residential networks attackers' traffic comes from. Not the
# documentation ranges: Python counts those as private, and a real spray comes from outside.
ATTACKER_NETS = (45, 91, 103, 141, 176, 185, 193, 194, 195, 212)
COMMON_NAMES = (
    "admin", "administrator", "test", "oracle", "ubuntu", "postgres", "git", "user", "guest",
    "ftpuser", "deploy", "pi", "hadoop", "support", "backup", "info", "scanner", "root",
)  # fmt: skip


@dataclass(frozen=True)
class Scenario:
    type: str
    kind: str  # the finding kind that should report it
    log: Log  # where it is written when that log is enabled
    build: Callable[[Attack], tuple[Events, PlantedAttack]]


class Attack:
    """What every scenario needs: the organisation, randomness, where and when to put it."""

    def __init__(
        self, rng: np.random.Generator, org: Organisation, log: Log, scenario: Scenario, number: int
    ) -> None:
        self.rng = rng
        self.org = org
        self.log = log
        self.scenario = scenario
        self.id = f"{scenario.type.replace('_', '-')}-{number}"

    def start(self, length: int) -> int:
        """A start time that leaves room for `length` seconds inside the simulated days."""
        latest = max(1, self.org.seconds - length - HOUR)
        return int(self.rng.integers(min(HOUR * 2, latest - 1), latest))

    def addresses(self, count: int) -> Ints:
        """Proxies and bots: hosting and residential networks, many autonomous systems."""
        nets = self.rng.choice(ATTACKER_NETS, size=count)
        octets = self.rng.integers(1, 255, size=(count, 3))
        addresses = [
            f"{n}.{a}.{b}.{c}" for n, (a, b, c) in zip(nets.tolist(), octets.tolist(), strict=True)
        ]
        return self.org.place(self.org.sources.add_all(addresses), ATTACKERS)

    def targets(self, count: int) -> Ints:
        count = min(count, len(self.org.staff))
        return self.rng.choice(self.org.staff, size=count, replace=False)

    def unknown(self, count: int) -> Ints:
        """Names that are not accounts here: the usual guesses, then leavers' old names."""
        numbers = self.rng.integers(0, 10_000, size=count)
        names = [*COMMON_NAMES, *(f"user{n:04d}.old" for n in numbers.tolist())]
        return self.org.accounts.add_all(names[:count])

    def label(
        self,
        events: Events,
        compromised: Ints | tuple[int, ...] = (),
        description: str = "",
    ) -> tuple[Events, PlantedAttack]:
        accounts = self.org.accounts.values
        sources = self.org.sources.values
        start = self.org.start + timedelta(seconds=int(events.time.min()))
        end = self.org.start + timedelta(seconds=int(events.time.max()))
        planted = PlantedAttack(
            id=self.id,
            type=self.scenario.type,
            kind=self.scenario.kind,
            sources=tuple(sorted({sources[s] for s in events.source.tolist()})),
            accounts=tuple(sorted({accounts[a] for a in events.account.tolist()})),
            compromised=tuple(sorted(accounts[a] for a in set(np.asarray(compromised).tolist()))),
            start=start,
            end=end,
            logs=(self.log.name.lower(),),
            attempts=len(events),
            description=description,
        )
        return events, planted


def _one_source_spray(
    attack: Attack, accounts: int, gap: tuple[int, int], result_for: dict[int, Result]
) -> tuple[Events, Ints]:
    """One address, one password, each account once, `gap` seconds apart."""
    targets = attack.targets(accounts)
    gaps = attack.rng.integers(gap[0], gap[1] + 1, size=len(targets))
    time = attack.start(int(gaps.sum())) + np.cumsum(gaps)
    result = np.full(len(targets), Result.BAD_PASSWORD, dtype=np.int64)
    for position, outcome in result_for.items():
        result[position] = outcome
    source = attack.addresses(1)[0]
    events = Events.build(time, targets, source, result, attack.log, Channel.TOOL)
    return events, targets


def burst_spray(attack: Attack) -> tuple[Events, PlantedAttack]:
    events, _ = _one_source_spray(attack, 200, (2, 8), {})
    return attack.label(events, description="One password tried against 200 accounts in minutes.")


def low_and_slow_spray(attack: Attack) -> tuple[Events, PlantedAttack]:
    hours = min(72, max(6, attack.org.days * 24 - 6))
    events, _ = _one_source_spray(attack, hours, (50 * 60, 70 * 60), {})
    return attack.label(
        events, description=f"One attempt an hour, each on a new account, for {hours} hours."
    )


def spray_with_success(attack: Attack) -> tuple[Events, PlantedAttack]:
    events, targets = _one_source_spray(attack, 80, (3, 15), {37: Result.SUCCESS})
    # The attacker comes back two hours later with the password that worked.
    back = Events.build(
        events.time[37:38] + 2 * HOUR, targets[37], events.source[0], Result.SUCCESS, attack.log
    )
    return attack.label(
        Events.concat([events, back]),
        compromised=(int(targets[37]),),
        description="A spray over 80 accounts; one password right, and used again two hours on.",
    )


def spray_stopped_by_mfa(attack: Attack) -> tuple[Events, PlantedAttack]:
    events, targets = _one_source_spray(attack, 80, (3, 15), {52: Result.MFA_REQUIRED})
    return attack.label(
        events,
        compromised=(int(targets[52]),),
        description="A spray over 80 accounts; one password right but MFA stopped the sign-in.",
    )


def distributed_spray(attack: Attack) -> tuple[Events, PlantedAttack]:
    """Hundreds of proxy addresses, one or two attempts each, spread over half a day."""
    addresses = attack.addresses(300)
    per_address = attack.rng.integers(1, 3, size=len(addresses))
    source = np.repeat(addresses, per_address)
    targets = attack.targets(len(source))
    source = source[: len(targets)]
    length = 12 * HOUR
    time = np.sort(attack.start(length) + attack.rng.integers(0, length, size=len(targets)))
    events = Events.build(time, targets, source, Result.BAD_PASSWORD, attack.log, Channel.TOOL)
    return attack.label(
        events,
        description=f"{len(targets)} accounts tried from {len(addresses)} addresses in 12 hours.",
    )


def brute_force(attack: Attack) -> tuple[Events, PlantedAttack]:
    name = "root" if attack.log is Log.SYSLOG else "administrator"
    account = attack.org.accounts.add(name)
    gaps = attack.rng.integers(2, 10, size=600)
    time = attack.start(int(gaps.sum())) + np.cumsum(gaps)
    source = attack.addresses(1)[0]
    events = Events.build(time, account, source, Result.BAD_PASSWORD, attack.log, Channel.TOOL)
    return attack.label(events, description=f"600 passwords tried against {name} from one address.")


def credential_stuffing(attack: Attack) -> tuple[Events, PlantedAttack]:
    """Leaked username/password pairs from elsewhere: half the names are not accounts here."""
    known = attack.targets(150)
    strangers = attack.unknown(150)
    account = attack.rng.permutation(np.concatenate([known, strangers]))
    result = np.where(np.isin(account, known), Result.BAD_PASSWORD, Result.UNKNOWN_ACCOUNT)
    reused = int(np.flatnonzero(np.isin(account, known))[10])
    result[reused] = Result.SUCCESS  # someone reused a leaked password here
    source = attack.rng.choice(attack.addresses(40), size=len(account))
    time = np.sort(attack.start(HOUR) + attack.rng.integers(0, HOUR, size=len(account)))
    events = Events.build(time, account, source, result.astype(np.int64), attack.log, Channel.TOOL)
    return attack.label(
        events,
        compromised=(int(account[reused]),),
        description="300 leaked pairs tried from 40 addresses in an hour; one password reused.",
    )


def user_enumeration(attack: Attack) -> tuple[Events, PlantedAttack]:
    """Kerbrute-style: guessing which names exist; only the unknown ones leave a failure."""
    names = attack.unknown(400)
    gaps = attack.rng.integers(0, 3, size=len(names))
    time = attack.start(int(gaps.sum())) + np.cumsum(gaps)
    source = attack.addresses(1)[0]
    channel = Channel.DESKTOP if attack.log is Log.WINDOWS else Channel.TOOL  # 4768 on the DC
    events = Events.build(time, names, source, Result.UNKNOWN_ACCOUNT, attack.log, channel)
    return attack.label(events, description="400 user names guessed from one address in minutes.")


SPRAY = "signins.password_spray"
SCENARIOS: tuple[Scenario, ...] = (
    Scenario("burst_spray", SPRAY, Log.WINDOWS, burst_spray),
    Scenario("low_and_slow_spray", SPRAY, Log.ENTRA, low_and_slow_spray),
    Scenario("distributed_spray", "signins.distributed_spray", Log.ENTRA, distributed_spray),
    Scenario("spray_with_success", SPRAY, Log.ENTRA, spray_with_success),
    Scenario("spray_stopped_by_mfa", SPRAY, Log.ENTRA, spray_stopped_by_mfa),
    Scenario("brute_force", "signins.brute_force", Log.SYSLOG, brute_force),
    Scenario("credential_stuffing", "signins.distributed_spray", Log.ENTRA, credential_stuffing),
    Scenario("user_enumeration", SPRAY, Log.WINDOWS, user_enumeration),
)


def inject(
    rng: np.random.Generator, org: Organisation, logs: tuple[Log, ...], per_type: int = 1
) -> tuple[list[Events], list[PlantedAttack]]:
    """Every scenario `per_type` times, written to its own log if enabled, else to the first."""
    parts: list[Events] = []
    labels: list[PlantedAttack] = []
    number = 0
    for scenario in SCENARIOS:
        if scenario.type == "spray_stopped_by_mfa" and Log.ENTRA not in logs:
            continue  # only Entra says "password right, MFA required"
        log = scenario.log if scenario.log in logs else logs[0]
        for _ in range(per_type):
            number += 1
            events, planted = scenario.build(Attack(rng, org, log, scenario, number))
            parts.append(events)
            labels.append(planted)
    return parts, labels
