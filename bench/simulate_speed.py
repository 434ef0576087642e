"""Simulator speed: labelled sign-in logs written per second, and peak memory (issue 5 §1).

    .venv/bin/python bench/simulate_speed.py                      # 10M events, 20k users, 30 days
    .venv/bin/python bench/simulate_speed.py --events 1000000 --keep /tmp/sim

Goal: 10 million events in under two minutes on this 2-core machine. The figure covers the
whole `phalanx signins simulate` work: making the organisation and the attacks, sorting,
formatting and writing every file (Entra JSON lines, Windows JSON lines, sshd syslog).
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from phalanx.signins.simulate.run import parse_formats, simulate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--formats", default="entra,windows,syslog")
    parser.add_argument("--keep", type=Path, default=None, help="write here and keep the logs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="phalanx-sim-") as scratch:
        folder = args.keep or Path(scratch)
        began = time.perf_counter()
        truth = simulate(
            folder,
            users=args.users,
            days=args.days,
            seed=args.seed,
            events=args.events,
            logs=parse_formats(args.formats),
        )
        took = time.perf_counter() - began
        written = sum(p.stat().st_size for p in folder.iterdir())
    events = sum(truth.events.values())
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"cores: {os.cpu_count()}")
    print(f"events: {events:,} in {len(truth.events)} file(s), {written / 1e9:.2f} GB")
    print(f"wall time: {took:.1f} s ({events / took:,.0f} events/s)")
    print(f"peak RSS: main process {own:,.0f} MB, largest worker {workers:,.0f} MB")


if __name__ == "__main__":
    main()
