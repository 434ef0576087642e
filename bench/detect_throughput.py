"""Detection speed and peak memory over normalised sign-ins (issue 2 §7).

    .venv/bin/python bench/detect_throughput.py            # 1M and 10M sign-ins
    .venv/bin/python bench/detect_throughput.py --rows 1000000

Each size runs in a fresh process so its peak RSS is its own. The table is generated straight
into the sign-in schema (an organisation's benign traffic plus a few sprays and brute forces),
so the figure is the detectors' own cost: reading logs is measured by the reader benches. Two
inputs per size: an Arrow table of plain strings (what a library caller may pass), and the
compact frame `phalanx signins scan` builds (every string column Categorical).
"""

from __future__ import annotations

import argparse
import gc
import resource
import subprocess
import sys
import time

import numpy as np
import polars as pl
import pyarrow as pa

from phalanx.config.signins import SigninSettings
from phalanx.signins.detect import detect_all
from phalanx.signins.records import COMPACT_SCHEMA, compact
from phalanx.signins.schema import SIGNIN_SCHEMA

START_US = 1_700_000_000_000_000
DAY_US = 86_400_000_000


def synthetic(rows: int, seed: int = 1) -> pa.Table:
    """`rows` sign-ins over 30 days: 20k users from 5k sources, 8% failures, 0.5% attacks."""
    rng = np.random.default_rng(seed)
    users = rng.integers(0, 20_000, rows)
    sources = users // 4 + rng.integers(0, 2, rows)  # each user from one or two places
    failed = rng.random(rows) < 0.08
    attack = rng.random(rows) < 0.005
    sources = np.where(attack, 900_000 + rng.integers(0, 40, rows), sources)  # 40 attackers
    failed |= attack
    times = START_US + np.sort(rng.integers(0, 30 * DAY_US, rows))
    account = _strings("user", users)
    source = _strings("10.", sources)
    outcome = pa.DictionaryArray.from_arrays(failed.astype(np.int8), ["success", "failure"])
    reason = pa.DictionaryArray.from_arrays(failed.astype(np.int8), ["", "bad_password"])
    none = pa.nulls(rows, pa.string())
    columns = {
        "time": pa.array(times, pa.timestamp("us", tz="UTC")),
        "account": account,
        "account_raw": account,
        "domain": pa.array([""] * rows),
        "is_machine": pa.array(np.zeros(rows, dtype=bool)),
        "source": source,
        "source_kind": pa.array(["ip"] * rows),
        "asn": none,
        "target": none,
        "outcome": outcome,
        "failure_reason": reason,
        "code": none,
        "protocol": none,
        "client": none,
        "auth_requirement": none,
        "log_source": pa.array(["bench"] * rows),
        "origin": pa.array(["bench"] * rows),
        "record": pa.array(np.arange(rows, dtype=np.int64)),
    }
    return pa.table([columns[name] for name in SIGNIN_SCHEMA.names], schema=SIGNIN_SCHEMA)


def _strings(prefix: str, numbers: np.ndarray) -> pa.Array:
    """prefix + number as a plain string column, built from a small dictionary (cheap memory)."""
    values, codes = np.unique(numbers, return_inverse=True)
    dictionary = pa.array([f"{prefix}{v}" for v in values])
    return pa.DictionaryArray.from_arrays(codes.astype(np.int32), dictionary).cast(pa.string())


def _constant(value: str, rows: int) -> pa.Array:
    return pa.DictionaryArray.from_arrays(np.zeros(rows, np.int8), [value]).cast(pa.string())


def measure(rows: int, compact_frame: bool) -> None:
    table: pa.Table | pl.DataFrame = synthetic(rows)
    if compact_frame:
        batches = [compact(batch) for batch in table.to_batches()]  # type: ignore[union-attr]
        table = pl.from_arrow(pa.Table.from_batches(batches, schema=COMPACT_SCHEMA))  # type: ignore[assignment]
        del batches
    gc.collect()
    pa.default_memory_pool().release_unused()
    before_mb = _resident_mb("VmRSS")
    _reset_peak()
    started = time.perf_counter()
    findings = detect_all(table, SigninSettings())
    elapsed = time.perf_counter() - started
    peak_mb = _resident_mb("VmHWM") if _reset_peak() else _maxrss_mb()
    what = "Categorical frame" if compact_frame else "plain-string table"
    print(
        f"{rows:>11,} sign-ins ({what:18})  {elapsed:6.2f} s  {rows / elapsed:>12,.0f} sign-ins/s  "
        f"peak RSS {peak_mb:,.0f} MB (input alone: {before_mb:,.0f} MB)  "
        f"({len(findings)} findings)"
    )


def _resident_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak since the last reset) from /proc; ru_maxrss elsewhere."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return _maxrss_mb()


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> bool:
    """Start the peak afresh (Linux): detection's peak, not the input's construction."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, action="append", help="table size (repeatable); default 1M and 10M"
    )
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--frame", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        measure(args.rows[0], args.frame)
        return
    for rows in args.rows or [1_000_000, 10_000_000]:
        for frame in ([], ["--frame"]):
            command = [sys.executable, __file__, "--one", "--rows", str(rows), *frame]
            subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
