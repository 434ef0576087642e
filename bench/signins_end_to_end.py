"""`phalanx signins scan` end to end over simulated logs: wall time and peak memory (issue 5 §5).

    .venv/bin/python bench/signins_end_to_end.py                   # 10M sign-ins, 20k people
    .venv/bin/python bench/signins_end_to_end.py --events 1000000  # a smaller run
    .venv/bin/python bench/signins_end_to_end.py --runs 3          # best of three scans

Goal: 10 million sign-ins read, detected and reported in <= 60 s with peak memory <= 2 GB on
this 2-core machine. The logs are made once by the simulator (Entra JSON lines, Windows JSON
lines, sshd syslog) and kept under /tmp/phalanx-e2e/ for the next run (--cache elsewhere).
The scan runs as a user runs it, `python -m phalanx.cli.main signins scan LOGS --format json`,
in a child process: wall time is the whole command (start-up, reading, detection, the JSON
report); memory is the peak of the sum of the proportional set sizes (PSS: a page shared by
several processes counts once) of the command and the worker processes it starts, sampled
every 50 ms, and the kernel's peak resident set of the largest single process.
The findings are then matched against truth.json with bench/detection_compare.py's rules.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from phalanx.signins.simulate.run import simulate
from phalanx.signins.simulate.truth import Truth

CACHE = Path("/tmp/phalanx-e2e")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def logs_for(args: argparse.Namespace) -> Path:
    """The simulated logs for these parameters, made now unless an earlier run left them."""
    folder = args.cache / f"sim-{args.events}-u{args.users}-d{args.days}-s{args.seed}"
    if not (folder / "truth.json").exists():
        began = time.perf_counter()
        simulate(folder, users=args.users, days=args.days, seed=args.seed, events=args.events)
        print(f"simulated into {folder} in {time.perf_counter() - began:.1f} s", flush=True)
    return folder


TICKS = os.sysconf("SC_CLK_TCK")


def _tree(root: int, cpu: dict[int, float]) -> int:
    """Memory (KB) of `root` and every descendant, from /proc (no psutil here): the sum of
    their proportional set sizes, so pages the workers share with the fork server count once.
    Records each process's CPU seconds so far in `cpu`."""
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        try:
            with open(f"/proc/{pid}/smaps_rollup") as stream:
                total += next(int(line.split()[1]) for line in stream if line.startswith("Pss:"))
            with open(f"/proc/{pid}/stat") as stream:
                fields = stream.read().rsplit(")", 1)[1].split()
            cpu[pid] = max(cpu.get(pid, 0.0), (int(fields[11]) + int(fields[12])) / TICKS)
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as stream:
                    pending.extend(int(c) for c in stream.read().split())
        except (OSError, ValueError, IndexError, StopIteration):
            continue  # the process ended between two reads
    return total


def run_scan(folder: Path, output: Path) -> tuple[float, float, float, float]:
    """(wall s, CPU s of the scan and its workers, peak tree PSS MB, peak single-process MB).

    The workers' CPU is sampled from /proc like their memory (to within a sample's 50 ms)."""
    logs = sorted(str(p) for p in folder.iterdir() if p.name != "truth.json")
    command = [
        sys.executable, "-m", "phalanx.cli.main", "signins", "scan", *logs,
        "--format", "json", "--output", str(output), "--quiet",
    ]  # fmt: skip
    peak = [0]
    cpu: dict[int, float] = {}
    began = time.perf_counter()
    child = subprocess.Popen(command)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree(child.pid, cpu))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - began
    done.set()
    sampler.join()
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"scan failed with exit status {child.returncode}")
    cpu[child.pid] = usage.ru_utime + usage.ru_stime  # exact for the command itself
    workers = sorted((v for k, v in cpu.items() if k != child.pid and v >= 0.5), reverse=True)
    split = ", ".join(f"{v:.1f}" for v in workers) or "none"
    print(f"  CPU seconds: the command {cpu[child.pid]:.1f}; its workers {split}")
    return wall, sum(cpu.values()), peak[0] / 1024, usage.ru_maxrss / 1024


def check(document: dict[str, object], truth: Truth) -> str:
    """How many planted attacks the scan's findings match (detection_compare's rules)."""
    from detection_compare import matches
    from reference_detectors import Alert

    alerts = []
    for finding in document["findings"]:  # type: ignore[attr-defined]
        first = datetime.fromisoformat(finding["first_seen"])
        last = datetime.fromisoformat(finding["last_seen"])
        alerts.append(
            Alert("phalanx", finding["kind"], frozenset(finding["sources"]),
                  frozenset(finding["accounts"]), first, last, last)
        )  # fmt: skip
    planted = [a for a in truth.attacks if not a.benign]
    found = [a.id for a in planted if any(matches(x, a) for x in alerts)]
    unmatched = [x for x in alerts if not any(matches(x, a) for a in truth.attacks)]
    missed = sorted({a.id for a in planted} - set(found))
    return (
        f"{len(alerts)} findings; {len(found)}/{len(planted)} planted attacks found"
        + (f" (missed: {', '.join(missed)})" if missed else "")
        + f"; {len(unmatched)} findings match nothing planted"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--users", type=int, default=None, help="default: 1 per 500 events")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=1, help="scans to time (best is reported)")
    parser.add_argument("--cache", type=Path, default=CACHE, help="where simulated logs are kept")
    args = parser.parse_args()
    args.users = args.users or max(100, args.events // 500)
    folder = logs_for(args)
    truth = Truth.read_json(folder / "truth.json")
    size = sum(p.stat().st_size for p in folder.iterdir() if p.name != "truth.json")
    print(f"logs: {folder} ({sum(truth.events.values()):,} events, {size / 1e9:.2f} GB)")
    output = folder.parent / f"{folder.name}-findings.json"
    results = []
    for number in range(1, args.runs + 1):
        wall, cpu, tree_mb, single_mb = run_scan(folder, output)
        results.append(wall)
        print(
            f"scan {number}: wall {wall:.1f} s, CPU {cpu:.1f} s, peak memory {tree_mb:,.0f} MB "
            f"(all processes together, PSS; largest single process {single_mb:,.0f} MB RSS)",
            flush=True,
        )
    document = json.loads(output.read_text(encoding="utf-8"))
    signins = sum(i["signins"] for i in document["inputs"])
    skipped = sum(sum(i["skipped"].values()) for i in document["inputs"])
    best = min(results)
    print(f"sign-ins: {signins:,} read, {skipped} skipped; {signins / best:,.0f} sign-ins/s")
    print(check(document, truth))
    print(f"load average now: {os.getloadavg()[0]:.2f} (other jobs share the 2 cores)")


if __name__ == "__main__":
    main()
