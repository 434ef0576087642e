"""Shared pieces of the reporting-service tests: settings on a temporary folder, free loopback
ports, a running `phalanx serve` subprocess, and an SMTP sink standing in for the relay."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from phalanx.config import ServerSettings, Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def service_settings(data_dir: Path, **server: Any) -> Settings:
    return Settings(server=dataclasses.replace(ServerSettings(data_dir=data_dir), **server))


def wait_for(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def phalanx(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "phalanx.cli.main", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )


@dataclasses.dataclass
class RunningService:
    process: subprocess.Popen[bytes]
    http: str
    smtp_port: int
    token: str

    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.http, headers={"Authorization": f"Bearer {self.token}"}, timeout=30
        )

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)


@contextlib.contextmanager
def running_service(data_dir: Path, token: str, workers: int = 2) -> Iterator[RunningService]:
    """`phalanx serve` on free loopback ports, stopped (SIGTERM) on exit."""
    http_port, smtp_port = free_port(), free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "phalanx.cli.main", "serve", "-d", str(data_dir),
         "--http-port", str(http_port), "--smtp-port", str(smtp_port),
         "--workers", str(workers)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    service = RunningService(process, f"http://127.0.0.1:{http_port}", smtp_port, token)

    def up() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"phalanx serve exited: {process.stderr.read()!r}")  # type: ignore[union-attr]
        try:
            return httpx.get(f"{service.http}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(up, 60, "phalanx serve to listen")
        yield service
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stderr:
            process.stderr.close()
