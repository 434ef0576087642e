"""Account names of a made-up organisation: "first.last", numbered when two people share one."""

from __future__ import annotations

import random

FIRST = (
    "amelia", "oliver", "isla", "george", "ava", "noah", "mia", "arthur", "ivy", "leo",
    "grace", "oscar", "freya", "harry", "lily", "jack", "sophia", "theo", "ella", "charlie",
    "aisha", "mohammed", "priya", "arjun", "chen", "wei", "fatima", "omar", "zainab", "yusuf",
    "sarah", "james", "emma", "daniel", "hannah", "thomas", "chloe", "samuel", "lucy", "david",
    "maria", "jose", "ana", "luis", "olga", "ivan", "anna", "piotr", "kasia", "tomasz",
)  # fmt: skip
LAST = (
    "smith", "jones", "taylor", "brown", "williams", "wilson", "johnson", "davies", "patel",
    "wright", "walker", "robinson", "thompson", "white", "hughes", "edwards", "green", "hall",
    "wood", "harris", "martin", "jackson", "clarke", "clark", "turner", "hill", "scott",
    "cooper", "morris", "ward", "moore", "king", "watson", "baker", "harrison", "morgan",
    "khan", "ahmed", "ali", "singh", "nguyen", "kowalski", "novak", "garcia", "lopez",
    "murphy", "kelly", "obrien", "ryan", "walsh",
)  # fmt: skip


def person_names(rng: random.Random, count: int) -> list[str]:
    """`count` distinct account names in a stable order: the same seed gives the same staff."""
    names: list[str] = []
    seen: dict[str, int] = {}
    while len(names) < count:
        base = f"{rng.choice(FIRST)}.{rng.choice(LAST)}"
        seen[base] = seen.get(base, 0) + 1
        names.append(base if seen[base] == 1 else f"{base}{seen[base]}")
    return names
