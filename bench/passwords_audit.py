"""Bench: reverse audit of 100,000 accounts against the NCSC top 100k under ~750 rules.

    .venv/bin/python bench/passwords_audit.py [--accounts 100000] [--words 100000] [--workers 2]

Builds a dump in memory (random NT hashes plus planted `word x rule` passwords), runs the
audit with the NCSC words as the only list (plus the accounts' own names), and prints the
candidates tried, the wall time and the rate. Goal (issue 3, §6): <= 30 s on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import random
import time

from _corpus import CORPUS
from phalanx.passwords.audit import AuditInputs, audit
from phalanx.passwords.candidates import default_rules
from phalanx.passwords.dumps.records import AccountHash
from phalanx.passwords.normalise import decode_mojibake
from phalanx.passwords.nthash import nt_hash

NCSC = CORPUS / "passwords" / "ncsc-pwned-top100k.txt"


def _cpu() -> float:
    """CPU seconds of this process and its finished workers (steady under other load)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--words", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    lines = NCSC.read_text(encoding="utf-8", errors="replace").splitlines()[6:]
    words = [decode_mojibake(w) for w in lines[: args.words] if w]
    rules = default_rules()
    chooser = random.Random(7)
    planted = [
        rules[chooser.randrange(len(rules))].apply(chooser.choice(words).lower())
        for _ in range(100)
    ]
    accounts = [
        AccountHash(f"user{i:06d}", os.urandom(16), line=i)
        for i in range(args.accounts - len(planted))
    ]
    accounts += [AccountHash(f"weak{i:03d}", nt_hash(p), line=i) for i, p in enumerate(planted)]
    started, cpu_before = time.perf_counter(), _cpu()
    result = audit(
        accounts,
        AuditInputs(dict.fromkeys((w.lower() for w in words), "NCSC"), rules, workers=args.workers),
    )
    elapsed, cpu = time.perf_counter() - started, _cpu() - cpu_before
    found = {f.accounts[0] for f in result.findings if f.accounts[0].startswith("weak")}
    print(
        f"audit: {len(accounts):,} accounts x {len({w.lower() for w in words}):,} words "
        f"x {len(rules)} rules = {result.candidates:,} candidates (own names included)"
    )
    print(
        f"       {elapsed:.1f} s on {args.workers} workers = "
        f"{result.candidates / elapsed / 1e6:.2f} M candidates/s; planted weak accounts "
        f"found {len(found)}/{len(planted)}  (goal <= 30 s on 2 cores)"
    )
    print(
        f"       {cpu:.1f} CPU-s incl. workers = {result.candidates / cpu / 1e6:.2f} M "
        f"candidates per CPU-second; load average {os.getloadavg()[0]:.1f} (other jobs share "
        "the CPUs)"
    )


if __name__ == "__main__":
    main()
