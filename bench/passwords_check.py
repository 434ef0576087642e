"""Bench: `check` latency per password with 100k+ banned terms loaded (issue 3, §6).

    .venv/bin/python bench/passwords_check.py [--n 10000]

Loads the built-in list and the NCSC top 100k (../shared/corpus), then checks a mix: NCSC
entries, spray patterns, three-word passphrases and random strings. Prints p50/p95/p99/max.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import time

from _corpus import CORPUS
from phalanx.config.passwords import PasswordSettings
from phalanx.passwords.generate import draw
from phalanx.passwords.loading import build_policy
from phalanx.passwords.policy import check_password

NCSC = CORPUS / "passwords" / "ncsc-pwned-top100k.txt"


def sample(n: int, chooser: random.Random) -> list[str]:
    ncsc = NCSC.read_text(encoding="utf-8", errors="replace").splitlines()[6:]
    seasons = ["Winter", "Spring", "Summer", "Autumn", "Covid", "Vaccine", "Northwick"]
    sprays = [
        f"{chooser.choice(seasons)}{chooser.randint(1990, 2030)}{chooser.choice('!?#.')}"
        for _ in range(n // 4)
    ]
    phrases = [draw()[0] for _ in range(n // 4)]
    alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!#%"
    randoms = [
        "".join(chooser.choice(alphabet) for _ in range(chooser.randint(12, 24)))
        for _ in range(n // 4)
    ]
    mix = chooser.sample(ncsc, n - 3 * (n // 4)) + sprays + phrases + randoms
    chooser.shuffle(mix)
    return mix


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()
    started = time.perf_counter()
    policy = build_policy(PasswordSettings(organisation_words=("northwick",)), [NCSC])
    print(
        f"policy: {len(policy.deny):,} banned base words, {len(policy.deny.exact):,} whole "
        f"passwords, loaded in {time.perf_counter() - started:.2f} s"
    )
    gc.freeze()  # the policy lives as long as the process: keep it out of every GC pass
    passwords = sample(args.n, random.Random(3))
    for password in passwords[:200]:  # warm caches
        check_password(password, policy)
    wall, cpu = [], []
    for password in passwords:
        w0, c0 = time.perf_counter(), time.thread_time()
        check_password(password, policy)
        cpu.append((time.thread_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
    # Wall time includes waiting for a CPU when other jobs share the machine; CPU time of
    # this thread does not, and is what the check costs on a machine of its own.
    print(f"check: {len(wall):,} passwords, load average {os.getloadavg()[0]:.1f}")
    for label, times in (("wall", wall), ("cpu ", cpu)):
        q = statistics.quantiles(times, n=100)
        print(
            f"  {label}  p50 {q[49]:.3f} ms  p95 {q[94]:.3f} ms  p99 {q[98]:.3f} ms  "
            f"max {max(times):.3f} ms  (goal p99 <= 1 ms)"
        )


if __name__ == "__main__":
    main()
