"""Bench: `check` latency per password with 100k+ banned terms loaded (issue 3, §6).

    .venv/bin/python bench/passwords_check.py [--n 10000]

Loads the built-in list and the NCSC top 100k (../shared/corpus), then checks a mix: NCSC
entries, spray patterns, three-word passphrases and random strings. Prints p50/p95/p99/max.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from pathlib import Path

from phalanx.config.passwords import PasswordSettings
from phalanx.passwords.generate import draw
from phalanx.passwords.loading import build_policy
from phalanx.passwords.policy import check_password

NCSC = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "passwords" / \
    "ncsc-pwned-top100k.txt"


def sample(n: int, chooser: random.Random) -> list[str]:
    ncsc = NCSC.read_text(encoding="utf-8", errors="replace").splitlines()[6:]
    seasons = ["Winter", "Spring", "Summer", "Autumn", "Covid", "Vaccine", "Northwick"]
    sprays = [f"{chooser.choice(seasons)}{chooser.randint(1990, 2030)}{chooser.choice('!?#.')}"
              for _ in range(n // 4)]
    phrases = [draw()[0] for _ in range(n // 4)]
    alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!#%"
    randoms = ["".join(chooser.choice(alphabet) for _ in range(chooser.randint(12, 24)))
               for _ in range(n // 4)]
    mix = chooser.sample(ncsc, n - 3 * (n // 4)) + sprays + phrases + randoms
    chooser.shuffle(mix)
    return mix


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()
    started = time.perf_counter()
    policy = build_policy(PasswordSettings(organisation_words=("northwick",)), [NCSC])
    print(f"policy: {len(policy.deny):,} banned base words, {len(policy.deny.exact):,} whole "
          f"passwords, loaded in {time.perf_counter() - started:.2f} s")
    gc.freeze()  # the policy lives as long as the process: keep it out of every GC pass
    passwords = sample(args.n, random.Random(3))
    for password in passwords[:200]:  # warm caches
        check_password(password, policy)
    times = []
    for password in passwords:
        t0 = time.perf_counter()
        check_password(password, policy)
        times.append((time.perf_counter() - t0) * 1000)
    q = statistics.quantiles(times, n=100)
    print(f"check: {len(times):,} passwords  p50 {q[49]:.3f} ms  p95 {q[94]:.3f} ms  "
          f"p99 {q[98]:.3f} ms  max {max(times):.3f} ms  (goal p99 <= 1 ms)")


if __name__ == "__main__":
    main()
