"""The soak's processes: the real CLI (import, score, worker) and the real server, on loopback only.

Every process writes its output to a log file under the test's tmp folder, so after the run the test can read
what a person would have seen (a "database is locked" line, a traceback) as well as the exit codes.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

#: Pacing that never holds the worker back: the soak measures the database, not the human pace.
OPEN_PACING = {
    "EVERREACH_HOURLY_CAP": "1000000",
    "EVERREACH_DAILY_CAP": "1000000",
    "EVERREACH_MIN_GAP_SECONDS": "0",
    "EVERREACH_MAX_GAP_SECONDS": "0",
    "EVERREACH_ACTIVE_HOURS_START": "00:00",
    "EVERREACH_ACTIVE_HOURS_END": "00:00",
    "EVERREACH_CONTACT_COOLDOWN_HOURS": "0",
}
CLI = [sys.executable, "-c", "from everreach.cli import main; main()"]


@dataclass
class Run:
    """One finished (or stopped) process: what it was, its exit code and everything it printed."""

    name: str
    returncode: int
    output: str
    seconds: float


@dataclass
class Processes:
    """Starts the soak's processes with one environment and keeps their logs."""

    database_url: str
    home: Path
    outbox: Path
    runs: list[Run] = field(default_factory=list)
    _count: int = 0
    _started: dict[int, float] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        """The test's environment (no user settings) plus the database, the dry-run outbox and open pacing."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("EVERREACH_") or k.startswith("EVERREACH_T")}
        return (
            env
            | OPEN_PACING
            | {
                "EVERREACH_DATABASE_URL": self.database_url,
                "EVERREACH_DATA_DIR": str(self.home),
                "EVERREACH_CONFIG": str(self.home / "none.toml"),
                "EVERREACH_SENDER": "dry-run",
                "EVERREACH_DRY_RUN_PATH": str(self.outbox),
                "COLUMNS": "200",
            }
        )

    def start(self, name: str, *args: str) -> tuple[subprocess.Popen[bytes], Path]:
        """Start `everreach ARGS...`; returns the process and its log file."""
        self._count += 1
        log = self.home / f"{self._count:03d}-{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen([*CLI, *args], env=self.env(), stdout=out, stderr=subprocess.STDOUT)
        self._started[process.pid] = time.monotonic()
        return process, log

    def finish(self, name: str, process: subprocess.Popen[bytes], log: Path, *, timeout: float) -> Run:
        """Wait for the process (killing it after `timeout` s, which the test then reports) and keep its run."""
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            code = -9
        seconds = time.monotonic() - self._started.pop(process.pid)
        run = Run(name=name, returncode=code, output=log.read_text(errors="replace"), seconds=seconds)
        self.runs.append(run)
        return run

    def stop(self, name: str, process: subprocess.Popen[bytes], log: Path) -> Run:
        """Ask a long-running process to stop (SIGTERM, as Ctrl-C would), then wait for it."""
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        return self.finish(name, process, log, timeout=60)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(base_url: str, process: subprocess.Popen[bytes], log: Path, *, seconds: float = 60) -> None:
    """Wait until the server answers (or fail naming its log)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            httpx.get(f"{base_url}/api/v1/health", timeout=2.0)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError(f"the server did not answer within {seconds:.0f} s")
