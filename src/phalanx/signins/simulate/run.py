"""`simulate()`: a labelled organisation's sign-in logs, deterministic from a seed.

The events are made as NumPy columns, sorted by time once, split by log and written in chunks
of up to CHUNK events per file, on all cores (workers are forked and read the columns from the
parent's memory; each writes its own files, so the output does not depend on the number of
processes).
"""

from __future__ import annotations

import multiprocessing
import os
import random
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from phalanx.signins.simulate.attacks import inject
from phalanx.signins.simulate.events import Events, Log
from phalanx.signins.simulate.org import (
    background,
    make_organisation,
    policy_change,
    stale_service_accounts,
)
from phalanx.signins.simulate.truth import Truth
from phalanx.signins.simulate.writers import FILE_NAMES, WRITERS, Clock, Rows

START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
CHUNK = 1_000_000
ALL_LOGS = (Log.ENTRA, Log.WINDOWS, Log.SYSLOG)
# Ordinary sign-ins add about this much on top of the successes (typos, MFA prompts, expiries).
OVERHEAD = 1.058

_ROWS: Rows | None = None  # the columns, for forked workers


def parse_formats(text: str) -> tuple[Log, ...]:
    """ "entra,windows,syslog" -> the logs, in that order; unknown names raise ValueError."""
    logs = []
    for word in (w.strip().lower() for w in text.split(",") if w.strip()):
        try:
            logs.append(Log[word.upper()])
        except KeyError:
            known = ", ".join(log.name.lower() for log in Log)
            raise ValueError(f"unknown format {word!r} (known: {known})") from None
    if not logs:
        raise ValueError("no format given")
    return tuple(dict.fromkeys(logs))


def simulate(
    out: Path,
    users: int = 2_000,
    days: int = 14,
    seed: int = 1,
    events: int = 500_000,
    logs: Sequence[Log] = ALL_LOGS,
    workers: int | None = None,
    attacks_per_type: int = 1,
) -> Truth:
    """Write the logs and truth.json into `out`; `events` is the rough total wanted."""
    if users < 100 or days < 2:
        raise ValueError("simulate at least 100 users over 2 days (the attacks need room)")
    chosen = tuple(logs)
    rng = np.random.default_rng(seed)
    org = make_organisation(rng, random.Random(seed), users, days, START)
    stale, stale_labels = stale_service_accounts(rng, org, chosen)
    policy, policy_labels = policy_change(rng, org, chosen)
    attacks, attack_labels = inject(rng, org, chosen, attacks_per_type)
    fixed = sum(len(p) for p in (*stale, *policy, *attacks))
    per_day = _rate(org.working_days(), users, max(events - fixed, users))
    ordinary = background(rng, org, per_day, chosen)
    table = Events.concat([ordinary, *stale, *policy, *attacks]).sorted()
    table.time = np.clip(table.time, 0, org.seconds - 1)
    rows = Rows(table, org.accounts.values, org.sources.values, org.asns(), START, org.domain, seed)
    out.mkdir(parents=True, exist_ok=True)
    counts = _write_all(rows, out, chosen, days, workers)
    truth = Truth(
        seed=seed,
        start=START,
        end=START + timedelta(days=days),
        attacks=(*attack_labels, *stale_labels, *policy_labels),
        events=counts,
    )
    truth.write_json(out / "truth.json")
    return truth


def _rate(working: np.ndarray, users: int, wanted: int) -> float:
    """Successes per person per working day that give about `wanted` events in all."""
    day_weight = float(working.sum() + 0.08 * (~working).sum())
    return wanted / (users * day_weight * OVERHEAD)


def _jobs(rows: Rows, logs: tuple[Log, ...], out: Path) -> list[tuple[Log, np.ndarray, Path]]:
    jobs = []
    for log in logs:
        index = np.flatnonzero(rows.events.log == log)
        stem, suffix = FILE_NAMES[log]
        chunks = max(1, -(-len(index) // CHUNK))
        for number, part in enumerate(np.array_split(index, chunks), start=1):
            name = f"{stem}{suffix}" if chunks == 1 else f"{stem}-{number:04d}{suffix}"
            jobs.append((log, part, out / name))
    return jobs


def _write_all(
    rows: Rows, out: Path, logs: tuple[Log, ...], days: int, workers: int | None
) -> dict[str, int]:
    global _ROWS
    jobs = _jobs(rows, logs, out)
    processes = min(workers or os.cpu_count() or 1, len(jobs))
    if processes <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        clock = Clock(rows.start, days)
        return {path.name: WRITERS[log](rows, index, path, clock) for log, index, path in jobs}
    _ROWS = rows
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(processes, mp_context=context) as pool:
            futures = [pool.submit(_write_job, log, index, path, days) for log, index, path in jobs]
            return {path.name: f.result() for (_, _, path), f in zip(jobs, futures, strict=True)}
    finally:
        _ROWS = None


def _write_job(log: Log, index: np.ndarray, path: Path, days: int) -> int:
    assert _ROWS is not None, "workers are forked after the columns are set"
    return WRITERS[log](_ROWS, index, path, Clock(_ROWS.start, days))
