"""Phalanx against the published detectors, on the same labelled simulated logs.

    .venv/bin/python bench/detection_compare.py [--users 2000] [--days 14] [--events 500000]
        [--seed 1] [--out DIR] [--formats entra,windows,syslog] [--no-ttd]

1. simulate an organisation with labelled attacks (src/phalanx/signins/simulate);
2. read the files back with phalanx's own readers, as `phalanx signins scan` does;
3. run the references (bench/reference_detectors.py) and Phalanx's detectors on that table;
4. print one markdown table per attack type: recall, precision, false findings per million
   benign events and time to detection, for each detector.

An alert matches an attack when their time spans overlap (the alert may end up to an hour
after the attack) and at least half of the alert's sources, or of its accounts, are the
attack's. An alert that matches no attack — or only a labelled benign pattern — is false;
Phalanx's stale-credential findings on the labelled stale service accounts are what it is
meant to say about them, so they are neither. Precision and false findings are over all of a
detector's alerts, so they repeat in every table; recall and time to detection are per type.
Time to detection: for the references, the end of the first bucket over threshold (the
rule's schedule aside), median over the attacks of the type it found; for Phalanx, which is
a batch detector, the shortest prefix of the log (attack start + 5 min, 15 min, 1 h, 6 h,
24 h, 72 h) on which it finds the first attack of the type it found (replays are slow).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from statistics import median_low

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from phalanx.config.signins import SigninSettings
from phalanx.core.finding import Finding
from phalanx.signins.detect import detect_all
from phalanx.signins.scan import read_all
from phalanx.signins.simulate.run import parse_formats, simulate
from phalanx.signins.simulate.truth import PlantedAttack, Truth
from reference_detectors import REFERENCES, Alert

LATE = timedelta(hours=1)
LADDER = tuple(timedelta(minutes=m) for m in (5, 15, 60, 6 * 60, 24 * 60, 72 * 60))
STALE = "signins.stale_credentials"


def phalanx_alerts(findings: Sequence[Finding]) -> list[Alert]:
    alerts = []
    for finding in findings:
        if finding.first_seen is None or finding.last_seen is None:
            continue
        alerts.append(
            Alert(
                "phalanx",
                finding.kind,
                frozenset(finding.sources),
                frozenset(finding.accounts),
                finding.first_seen,
                finding.last_seen,
                finding.last_seen,
            )
        )
    return alerts


def matches(alert: Alert, attack: PlantedAttack) -> bool:
    if alert.first > attack.end + LATE or alert.last < attack.start:
        return False
    return _mostly(alert.sources, attack.sources) or _mostly(alert.accounts, attack.accounts)


def _mostly(alert: frozenset[str], attack: Sequence[str]) -> bool:
    """At least half of what the alert names belongs to the attack: a tenant-wide bucket full
    of benign typos that happens to hold one attempt of a slow spray has not found it."""
    return bool(alert) and len(alert & set(attack)) * 2 >= len(alert)


def is_false(alert: Alert, attacks: Sequence[PlantedAttack]) -> bool:
    hit = [a for a in attacks if matches(alert, a)]
    if any(not a.benign for a in hit):
        return False
    return not (alert.rule == STALE and any(a.type == "stale_password" for a in hit))


def phalanx_ttd(frame: pl.DataFrame, attack: PlantedAttack) -> timedelta | None:
    for step in LADDER:
        prefix = frame.filter(pl.col("time") <= attack.start + step)
        if any(matches(a, attack) for a in phalanx_alerts(detect_all(prefix, SigninSettings()))):
            return step
    return None


def _duration(value: timedelta | None, bound: bool = False) -> str:
    if value is None:
        return "—"
    minutes = value.total_seconds() / 60
    text = f"{minutes:.0f} min" if minutes < 120 else f"{minutes / 60:.1f} h"
    return f"≤ {text}" if bound else text


def compare(frame: pl.DataFrame, truth: Truth, ttd: bool) -> str:
    attacks = truth.attacks
    benign = max(1, truth.benign_events)
    results: dict[str, list[Alert]] = {}
    timings: dict[str, float] = {}
    for name, detector in REFERENCES.items():
        began = time.perf_counter()
        results[name] = detector(frame)
        timings[name] = time.perf_counter() - began
    began = time.perf_counter()
    results["phalanx"] = phalanx_alerts(detect_all(frame, SigninSettings()))
    timings["phalanx"] = time.perf_counter() - began

    summary = {}
    for name, alerts in results.items():
        false = sum(is_false(a, attacks) for a in alerts)
        correct = len(alerts) - false
        precision = correct / len(alerts) if alerts else float("nan")
        summary[name] = (len(alerts), precision, false / benign * 1e6)

    out = [f"Benign events: {truth.benign_events:,}. Detector run times: "]
    out[0] += ", ".join(f"{n} {t:.2f} s" for n, t in timings.items())
    for attack_type in dict.fromkeys(a.type for a in attacks if not a.benign):
        planted = truth.by_type(attack_type)
        out += [
            "",
            f"### {attack_type} ({len(planted)} planted, logs: "
            f"{', '.join(sorted({log for a in planted for log in a.logs}))})",
            "",
            "| detector | recall | precision | false / M benign | alerts | time to detection |",
            "|---|---|---|---|---|---|",
        ]
        for name, alerts in results.items():
            found = [a for a in planted if any(matches(x, a) for x in alerts)]
            delay: timedelta | None = None
            if found and name == "phalanx" and ttd:
                delay = phalanx_ttd(frame, found[0])  # replays are slow: the first one only
            elif found and name != "phalanx":
                delay = median_low(
                    min(x.fired for x in alerts if matches(x, a)) - a.start for a in found
                )
            count, precision, false_rate = summary[name]
            out.append(
                f"| {name} | {len(found) / len(planted):.2f} | {precision:.2f} | {false_rate:.1f} "
                f"| {count} | {_duration(delay, bound=name == 'phalanx')} |"
            )
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--formats", default="entra,windows,syslog")
    parser.add_argument("--attacks-per-type", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None, help="keep the logs here")
    parser.add_argument("--no-ttd", action="store_true", help="skip Phalanx's prefix replays")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="phalanx-compare-") as scratch:
        folder = args.out or Path(scratch)
        began = time.perf_counter()
        truth = simulate(
            folder,
            users=args.users,
            days=args.days,
            seed=args.seed,
            events=args.events,
            logs=parse_formats(args.formats),
            attacks_per_type=args.attacks_per_type,
        )
        took = time.perf_counter() - began
        print(f"simulated {sum(truth.events.values()):,} events in {took:.1f} s")
        began = time.perf_counter()
        logs = sorted(p for p in folder.iterdir() if p.name != "truth.json")
        frame, inputs = read_all(logs, SigninSettings())
        print(f"read {frame.height:,} sign-ins in {time.perf_counter() - began:.1f} s")
        for stats in inputs:
            skipped = stats.skips.total
            note = f", {skipped} skipped" if skipped else ""
            what = stats.format or "not read"
            print(f"  {Path(stats.path).name}: {what}, {stats.signins:,} sign-ins{note}")
        # The references filter with string functions: give them plain strings.
        frame = frame.with_columns(pl.col(pl.Categorical).cast(pl.String))
        print()
        print(compare(frame, truth, ttd=not args.no_ttd))


if __name__ == "__main__":
    main()
