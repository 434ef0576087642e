"""A made-up organisation's ordinary sign-ins: the benign background the attacks hide in.

N staff over M days. Most work office hours on working days (weekends and bank holidays are
quiet), from their site's NAT address, the VPN's egress addresses (both shared by hundreds of
people), or home. A few travel and sign in from abroad for some days. People mistype their
password and get it right seconds later; remote Entra sign-ins ask for MFA; passwords expire
and are noticed on Monday mornings; service accounts still holding an old password fail from
one internal host every quarter of an hour; one morning a new password policy forces changes
and a quarter of the staff fail a few times before they get in.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import numpy.typing as npt

from phalanx.signins.simulate.events import Events, Ints, Log, Names
from phalanx.signins.simulate.formats import Result
from phalanx.signins.simulate.names import person_names
from phalanx.signins.simulate.networks import ABROAD, HOME, ORGANISATION, asn_of
from phalanx.signins.simulate.truth import PlantedAttack

DAY = 86_400
HOUR = 3_600
SITES = 4  # hospital sites / campuses, each behind one NAT address
VPN_EGRESS = 3
TRAVEL_SHARE = 0.01  # of staff abroad for a few days
TYPO_RATE = 0.03
MFA_PROMPT_RATE = 0.2  # remote Entra sign-ins interrupted by the MFA prompt first
EXPIRY_SHARE = 1 / 60  # of staff whose password expired over the weekend, each Monday
POLICY_SHARE = 0.25
# England's bank holidays: quiet days like Sundays.
HOLIDAYS = frozenset(
    date.fromisoformat(d)
    for d in (
        "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31",
        "2026-12-25", "2026-12-28", "2027-01-01",
    )
)  # fmt: skip


@dataclass
class Organisation:
    """Who works here, and which addresses they sign in from."""

    start: datetime
    days: int
    domain: str
    accounts: Names
    sources: Names
    staff: Ints  # account index of each person
    site_nat: Ints  # source index of each site's NAT
    vpn: Ints
    home: Ints  # source index of each person's home address
    linux: npt.NDArray[np.bool_]  # people who also log in to the research cluster over ssh
    networks: dict[int, int] = field(default_factory=dict)  # source index -> its AS number

    def place(self, sources: Ints, pool: Sequence[int]) -> Ints:
        """Files each source under the AS of `pool` its address belongs to."""
        for index in sources.tolist():
            self.networks[index] = asn_of(self.sources.values[index], tuple(pool))
        return sources

    def asns(self) -> list[int]:
        """The AS number of every source, by index (the organisation's own for internal hosts)."""
        own = ORGANISATION[0]
        return [self.networks.get(index, own) for index in range(len(self.sources.values))]

    @property
    def seconds(self) -> int:
        return self.days * DAY

    def working_days(self) -> npt.NDArray[np.bool_]:
        days = [(self.start + timedelta(days=d)).date() for d in range(self.days)]
        return np.array([d.weekday() < 5 and d not in HOLIDAYS for d in days])

    def weekdays(self) -> Ints:
        return np.array(
            [(self.start + timedelta(days=d)).weekday() for d in range(self.days)], dtype=np.int64
        )


def make_organisation(
    rng: np.random.Generator, names_rng: random.Random, users: int, days: int, start: datetime
) -> Organisation:
    accounts = Names()
    sources = Names()
    staff = accounts.add_all(person_names(names_rng, users))
    site_nat = sources.add_all([f"81.2.{69 + s}.{10 + s}" for s in range(SITES)])
    vpn = sources.add_all([f"81.2.80.{20 + v}" for v in range(VPN_EGRESS)])
    octets = rng.integers(0, 256, size=(users, 3))
    home = sources.add_all([f"86.{a}.{b}.{max(c, 1)}" for a, b, c in octets.tolist()])
    org = Organisation(
        start=start,
        days=days,
        domain="northfield-health.example",
        accounts=accounts,
        sources=sources,
        staff=staff,
        site_nat=site_nat,
        vpn=vpn,
        home=home,
        linux=rng.random(users) < 0.1,
    )
    for site, nat in enumerate(site_nat.tolist()):  # two sites on each of the two ISPs
        org.networks[nat] = ORGANISATION[site % len(ORGANISATION)]
    org.place(vpn, ORGANISATION[:1])
    org.place(home, HOME)
    return org


def background(
    rng: np.random.Generator, org: Organisation, per_day: float, logs: tuple[Log, ...]
) -> Events:
    """Ordinary sign-ins: about `per_day` successes per person per working day."""
    working = org.working_days()
    rate = np.where(working, per_day, per_day * 0.08)
    counts = rng.poisson(np.broadcast_to(rate, (len(org.staff), org.days))).ravel()
    person = np.repeat(np.repeat(np.arange(len(org.staff)), org.days), counts)
    day = np.repeat(np.tile(np.arange(org.days), len(org.staff)), counts)
    clock = _time_of_day(rng, working[day])
    time = day * DAY + clock
    source = _where_from(rng, org, person, day)
    log = _which_log(rng, org, person, logs)
    channel = rng.integers(0, 3, size=len(time))
    remote = ~np.isin(source, org.site_nat)
    events = Events.build(
        time, org.staff[person], source, Result.SUCCESS, log, channel, remote & (log == Log.ENTRA)
    )
    return Events.concat([events, *_mistakes(rng, org, events)])


def _time_of_day(rng: np.random.Generator, working: npt.NDArray[np.bool_]) -> Ints:
    office = np.clip(rng.normal(12.5 * HOUR, 2.6 * HOUR, size=len(working)), 6 * HOUR, 22 * HOUR)
    anytime = rng.uniform(0, DAY, size=len(working))
    evening = rng.random(len(working)) < 0.06
    leisure = rng.uniform(9 * HOUR, 21 * HOUR, size=len(working))
    clock = np.where(working, np.where(evening, anytime, office), leisure)
    return clock.astype(np.int64)


def _where_from(rng: np.random.Generator, org: Organisation, person: Ints, day: Ints) -> Ints:
    people = len(org.staff)
    office_share = rng.beta(6, 2, size=people)  # most people are mostly on site
    vpn_share = (1 - office_share) * 0.4
    draw = rng.random(len(person))
    site = org.site_nat[np.arange(people) % SITES]
    vpn = org.vpn[rng.integers(0, len(org.vpn), size=len(person))]
    source = np.where(
        draw < office_share[person],
        site[person],
        np.where(draw < (office_share + vpn_share)[person], vpn, org.home[person]),
    )
    return _travel(rng, org, person, day, source)


def _travel(
    rng: np.random.Generator, org: Organisation, person: Ints, day: Ints, source: Ints
) -> Ints:
    """A few people abroad for a few days sign in from a hotel or a foreign mobile network."""
    travellers = max(1, int(len(org.staff) * TRAVEL_SHARE))
    who = rng.choice(len(org.staff), size=travellers, replace=False)
    leave = rng.integers(0, max(1, org.days - 3), size=travellers)
    length = rng.integers(2, 6, size=travellers)
    octets = rng.integers(0, 256, size=(travellers, 3))
    abroad = org.place(
        org.sources.add_all([f"{a % 60 + 150}.{b}.{c}.7" for a, b, c in octets.tolist()]), ABROAD
    )
    trip = np.full(len(org.staff), -1)
    trip[who] = np.arange(travellers)
    index = trip[person]
    on_trip = (index >= 0) & (day >= leave[index]) & (day < leave[index] + length[index])
    return np.where(on_trip, abroad[index], source)


def _which_log(
    rng: np.random.Generator, org: Organisation, person: Ints, logs: tuple[Log, ...]
) -> Ints:
    draw = rng.random(len(person))
    log = np.where(draw < 0.55, Log.ENTRA, Log.WINDOWS)
    log = np.where(org.linux[person] & (draw > 0.75), Log.SYSLOG, log)
    return _only(log, logs)


def _only(log: Ints, logs: tuple[Log, ...]) -> Ints:
    """Events meant for a log that is not being written go to the first one that is."""
    allowed = np.isin(log, np.array([int(x) for x in logs]))
    return np.where(allowed, log, int(logs[0])).astype(np.int64)


def _mistakes(rng: np.random.Generator, org: Organisation, events: Events) -> list[Events]:
    """Failures that come before a success in ordinary use: typos, MFA prompts, Monday expiries."""
    size = len(events)
    typo = rng.random(size) < TYPO_RATE
    prompt = events.mfa & (rng.random(size) < MFA_PROMPT_RATE)
    monday = org.weekdays()[events.time // DAY] == 0
    expired = monday & (rng.random(size) < EXPIRY_SHARE / 4)
    parts = []
    for mask, result in (
        (typo, Result.BAD_PASSWORD),
        (prompt, Result.MFA_REQUIRED),
        (expired, Result.EXPIRED_PASSWORD),
    ):
        before = events.take(mask)
        before.time = before.time - rng.integers(5, 60, size=len(before))
        before.result[:] = result
        before.mfa[:] = False
        parts.append(before)
    return parts


def stale_service_accounts(
    rng: np.random.Generator, org: Organisation, logs: tuple[Log, ...]
) -> tuple[list[Events], list[PlantedAttack]]:
    """Service accounts whose stored password was changed elsewhere: benign, but worth fixing."""
    services = max(1, len(org.staff) // 1000)
    parts: list[Events] = []
    labels: list[PlantedAttack] = []
    for number in range(services):
        name = f"svc-{('backup', 'scanner', 'print', 'sql', 'sync')[number % 5]}{number // 5 or ''}"
        host = f"10.20.{number // 200}.{number % 200 + 10}"
        every = int(rng.integers(10, 31)) * 60
        first = int(rng.integers(0, org.seconds // 2))
        last = int(rng.integers(first + org.seconds // 4, org.seconds))
        time = np.arange(first, last, every, dtype=np.int64)
        log = Log.WINDOWS if Log.WINDOWS in logs else logs[-1]
        parts.append(
            Events.build(
                time, org.accounts.add(name), org.sources.add(host), Result.BAD_PASSWORD, log
            )
        )
        labels.append(
            PlantedAttack(
                id=f"stale-{name}",
                type="stale_password",
                kind="signins.stale_credentials",
                sources=(host,),
                accounts=(name,),
                compromised=(),
                start=org.start + timedelta(seconds=int(time[0])),
                end=org.start + timedelta(seconds=int(time[-1])),
                logs=(log.name.lower(),),
                attempts=len(time),
                benign=True,
                description=f"A job on {host} fails as {name} every {every // 60} minutes.",
            )
        )
    return parts, labels


def policy_change(
    rng: np.random.Generator, org: Organisation, logs: tuple[Log, ...]
) -> tuple[list[Events], list[PlantedAttack]]:
    """A stricter password policy takes effect one morning: many expired and mistyped passwords."""
    working = np.flatnonzero(org.working_days())
    if len(working) < 2:
        return [], []
    day = int(working[len(working) // 2])
    people = rng.choice(len(org.staff), size=int(len(org.staff) * POLICY_SHARE), replace=False)
    when = day * DAY + rng.integers(8 * HOUR, 11 * HOUR, size=len(people))
    site = org.site_nat[people % SITES]
    account = org.staff[people]
    log = _only(np.full(len(people), Log.ENTRA), logs)
    retries = rng.random(len(people)) < 0.5
    parts = [
        Events.build(when, account, site, Result.EXPIRED_PASSWORD, log),
        Events.build(
            when[retries] + 40, account[retries], site[retries], Result.BAD_PASSWORD, log[retries]
        ),
        Events.build(when + 120, account, site, Result.SUCCESS, log),
    ]
    start = org.start + timedelta(seconds=int(when.min()))
    label = PlantedAttack(
        id="password-policy-change",
        type="policy_change",
        kind="",
        sources=tuple(org.sources.values[s] for s in org.site_nat),
        accounts=(),
        compromised=(),
        start=start,
        end=org.start + timedelta(seconds=int(when.max()) + 120),
        logs=tuple(sorted({Log(x).name.lower() for x in log.tolist()})),
        attempts=len(people) + int(retries.sum()),
        benign=True,
        description=(
            f"A new password policy: {len(people)} people fail with expired or mistyped "
            "passwords from the office NATs in one morning. No finding should come of it."
        ),
    )
    return parts, [label]
