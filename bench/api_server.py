"""The server under load: the real app under uvicorn in a child process, loopback only, stopped after the block."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.common import data_path


@dataclass
class Server:
    """A running server: its base URL and process (for its CPU time)."""

    base_url: str
    process: subprocess.Popen[bytes]

    def cpu_seconds(self) -> float:
        """User + system CPU seconds the server's processes (its workers too) have used so far (Linux /proc)."""
        return sum(_cpu_ticks(pid) for pid in _tree(self.process.pid)) / os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    """This process and its descendants, alive now."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            found += _tree(int(child))
    return found


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:  # gone meanwhile
        return 0
    return int(fields[11]) + int(fields[12])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(database_url: str, *, workers: int = 1) -> Iterator[Server]:
    """Run the app under uvicorn on 127.0.0.1 for the block, as `everreach serve [--workers N]` does."""
    port = _free_port()
    home = data_path("api_load_home")
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVERREACH_")}
    env |= {
        "EVERREACH_DATABASE_URL": database_url,
        "EVERREACH_DATA_DIR": str(home),
        "EVERREACH_CONFIG": str(home / "none.toml"),
        "EVERREACH_WORKERS": str(workers),
    }
    log = data_path("api_load_server.log").open("w")
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "everreach.http.app:serve_app",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
        "--workers", str(workers),
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", process)
    try:
        _wait_ready(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"the server exited with {server.process.returncode}; see {data_path('api_load_server.log')}"
            )
        try:
            httpx.get(f"{server.base_url}/api/v1/openapi.json", timeout=2.0)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("the server did not answer within 60 s")
