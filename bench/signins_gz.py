"""Reading rotated, compressed sign-in logs: one process against the scan's worker pool.

    .venv/bin/python bench/signins_gz.py                    # 2M sign-ins as three .gz logs
    .venv/bin/python bench/signins_gz.py --events 500000

The simulator's logs (Entra JSON lines, Windows JSON lines, sshd syslog) are compressed as
logrotate leaves them (`*.1.gz`, kept under /tmp/phalanx-gz/) and read by the scan's reading
step (`phalanx.signins.reading.read_all`) twice: with the worker pool switched off, and as a
scan reads them (each .gz over 4 MB packed read whole by a worker). Both must give the same
frame; the figure is the wall time of each.
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import time
from pathlib import Path

from phalanx.config.signins import SigninSettings
from phalanx.signins import reading
from phalanx.signins.simulate.run import simulate

CACHE = Path("/tmp/phalanx-gz")


def rotated_logs(events: int) -> list[Path]:
    folder = CACHE / f"sim-{events}"
    if not (folder / "rotated").exists():
        simulate(folder, users=5_000, days=14, seed=3, events=events)
        for log in sorted(folder.glob("*.json*")) + sorted(folder.glob("*.log")):
            if log.name == "truth.json":
                continue
            target = log.with_name(f"{log.name}.1.gz")
            with log.open("rb") as plain, gzip.open(target, "wb", compresslevel=6) as out:
                shutil.copyfileobj(plain, out, 16 * 2**20)
            log.unlink()
        (folder / "rotated").touch()
    return sorted(folder.glob("*.gz"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=2_000_000)
    args = parser.parse_args()
    logs = rotated_logs(args.events)
    packed = sum(p.stat().st_size for p in logs) / 2**20
    print(f"{len(logs)} .gz logs, {packed:,.0f} MB packed")
    results = {}
    for label, pool_from in (("one process", 2**62), ("worker pool", reading.POOL_FROM_BYTES)):
        reading.POOL_FROM_BYTES = pool_from
        began = time.perf_counter()
        frame, _ = reading.read_all(logs, SigninSettings())
        results[label] = frame
        print(f"  {label:12} {time.perf_counter() - began:6.1f} s  {frame.height:,} sign-ins")
    assert results["one process"].equals(results["worker pool"]), "the two reads differ"


if __name__ == "__main__":
    main()
