"""The reporting service's speed (issue 4 §8): the NCSC's first week end to end, and SMTP intake.

    .venv/bin/python bench/mail_service.py                   # both parts
    .venv/bin/python bench/mail_service.py --part ingest --reports 25000
    .venv/bin/python bench/mail_service.py --part smtp --messages 5000 --connections 4

ingest: 25,000 reports written as .eml files (real corpus messages: phishing, spam, ham and
sublime/, each made unique with an X-Bench-Copy header so that every one is really stored and
analysed; half forwarded by a staff member as a message/rfc822 attachment, half sent as they
are), then `phalanx mail ingest FOLDER` run as a user runs it: files read, stored durably (blob
+ row, fsync), split, analysed by worker processes, campaigns and takedown cases updated. The
figure is wall time of that command and its peak memory (with its workers).

smtp: `phalanx serve` started on loopback; N client connections send messages with smtplib
as fast as they are answered, while the service analyses them; the figure is messages answered
250 per second, then every acknowledged message is looked up in the store (nothing lost).
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import resource
import shutil
import smtplib
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from email import message_from_bytes, policy
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

from _corpus import CORPUS

FOLDERS = ("phishing", "spam", "ham", "sublime")


def corpus_messages() -> list[bytes]:
    return [p.read_bytes() for f in FOLDERS for p in sorted((CORPUS / "mail" / f).iterdir())]


def unique(raw: bytes, n: int) -> bytes:
    return f"X-Bench-Copy: {n}\r\n".encode() + raw


def forwarded(raw: bytes, n: int) -> bytes:
    report = MIMEMultipart("mixed")
    report["From"] = f"staff{n % 3000}@uni.example"
    report["To"] = "phishing@uni.example"
    report["Subject"] = "Fw: is this phishing?"
    report.attach(MIMEText("Please check this one.", "plain", "utf-8"))
    part = MIMEBase("message", "rfc822")
    part.set_payload([message_from_bytes(raw, policy=policy.compat32)])
    report.attach(part)
    return report.as_bytes()


def write_reports(folder: Path, count: int) -> None:
    marker = folder / f".complete-{count}"
    if marker.exists():
        return
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    messages = corpus_messages()
    rng = random.Random(2020)
    for n in range(count):
        raw = unique(rng.choice(messages), n)
        data = forwarded(raw, n) if n % 2 else raw
        (folder / f"{n // 1000:03d}").mkdir(exist_ok=True)
        (folder / f"{n // 1000:03d}" / f"report-{n:06d}.eml").write_bytes(data)
    marker.touch()


def bench_ingest(reports: int) -> None:
    folder = Path(tempfile.gettempdir()) / "phalanx-bench-mail-reports"
    write_reports(folder, reports)
    size = sum(p.stat().st_size for p in folder.rglob("*.eml"))
    with tempfile.TemporaryDirectory() as data:
        load, busy = os.getloadavg(), _machine_cpu()
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "phalanx.cli.main", "mail", "ingest", str(folder), "-d", data],
            capture_output=True, text=True, check=False,
        )
        elapsed = time.perf_counter() - started
        used = [b - a for a, b in zip(busy, _machine_cpu(), strict=True)]
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if done.returncode != 0:
            print(done.stderr[-2000:])
            raise SystemExit("ingest failed")
        with sqlite3.connect(Path(data) / "phalanx.sqlite") as db:
            states = dict(db.execute("select state, count(*) from reports group by state"))
            waiting = db.execute("select count(*) from submissions where state='received'")
            left = waiting.fetchone()[0]
    total = sum(states.values())
    print(f"ingest   {reports:,} reports ({size / 1e6:.0f} MB as .eml) -> {total:,} analysed "
          f"reports {states}, {left} left waiting")
    print(f"ingest   end to end {elapsed:.1f} s = {reports / elapsed:.0f} reports/s; "
          f"peak RSS of the largest process {peak:.0f} MB   (goal <= 60 s)")
    print(f"ingest   summary: {done.stdout.strip()}")
    if used[0] or used[1]:
        print(f"ingest   machine: {used[0]:.1f} CPU-s busy, {used[1]:.1f} idle (2 cores: busy + "
              f"idle = 2 x wall); load average before {load[0]:.2f}, after "
              f"{os.getloadavg()[0]:.2f}")


def _machine_cpu() -> tuple[float, float]:
    """CPU seconds the whole machine spent busy and idle so far (Linux; zeros elsewhere): what
    the run used, and whether anything else ran beside it."""
    try:
        with open("/proc/stat") as stat:
            ticks = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return 0.0, 0.0
    hertz = os.sysconf("SC_CLK_TCK")
    idle = ticks[3] + ticks[4]
    return (sum(ticks) - idle) / hertz, idle / hertz


def bench_smtp(messages: int, connections: int) -> None:
    corpus = corpus_messages()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as data:
        port = _free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "phalanx.cli.main", "serve", "-d", data, "--smtp-port",
             str(port), "--http-port", str(_free_port())],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        try:
            _wait_smtp(port)
            counter = itertools.count()
            acknowledged: list[int] = []
            refused: list[str] = []

            def client() -> None:
                with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
                    while (n := next(counter)) < messages:
                        try:
                            smtp.sendmail("staff@uni.example", ["phishing@uni.example"],
                                          unique(rng.choice(corpus), n))
                            acknowledged.append(n)
                        except smtplib.SMTPException as exc:
                            refused.append(str(exc))

            threads = [threading.Thread(target=client) for _ in range(connections)]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
            stored = _stored(Path(data) / "phalanx.sqlite")
        finally:
            process.terminate()
            process.wait(60)
    rate = len(acknowledged) / elapsed
    print(f"smtp     {len(acknowledged):,} of {messages:,} messages answered 250 over "
          f"{connections} connections in {elapsed:.1f} s = {rate:.0f} messages/s "
          f"(goal >= 200), {len(refused)} refused; {stored:,} stored; lost: "
          f"{len(acknowledged) - stored if stored < len(acknowledged) else 0}")


def _stored(database: Path) -> int:
    with sqlite3.connect(database) as db:
        return int(db.execute("select count(*) from submissions").fetchone()[0])


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_smtp(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("phalanx serve did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("ingest", "smtp", "all"), default="all")
    parser.add_argument("--reports", type=int, default=25_000)
    parser.add_argument("--messages", type=int, default=5_000)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    if not (CORPUS / "mail").is_dir():
        raise SystemExit(f"no mail corpus at {CORPUS / 'mail'}")
    if args.part in ("smtp", "all"):
        bench_smtp(args.messages, args.connections)
    if args.part in ("ingest", "all"):
        bench_ingest(args.reports)


if __name__ == "__main__":
    main()
