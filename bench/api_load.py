"""API under load: p99 latency of /api/v1/tasks and /api/v1/contacts/{username} with 50 concurrent clients.

A real uvicorn server on 127.0.0.1 (loopback only) serves a database of 100k contacts (quick: 10k) filled by
bulk insert. 50 httpx async clients join over the first 1.5 s (a ramp-up) and each sends requests with a random
0.5-1.5 s pause between them, until a fixed request count or a time budget is reached (bounded, self-stopping).
The same-run baseline is the cheapest endpoint of the same server under the same load (a health route, or an
unrouted path's 404 when none exists), so the ratio shows what the real work costs over the framework and the
loopback itself.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import Engine, insert, text

from bench.common import Figure, bench_engines, data_path, engine_url, percentile
from everreach.db.engine import make_engine
from everreach.db.migrate import upgrade
from everreach.db.models import STAGES, Contact, Message

AREA = "api_load"
CLIENTS = 50
TARGET_P99_MS = 50.0
# Each client's pause between requests: 50 people clicking (about 50 requests/s offered), not a flood that
# would only measure queueing in a single-process server on a small machine.
THINK_SECONDS = (0.5, 1.5)
BASELINE_CANDIDATES = ("/api/v1/health", "/healthz", "/health")
SEED = 7


@dataclass
class LoadResult:
    """Latencies (ms) of the successful requests, the failures, and the wall time of one load run."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def requests(self) -> int:
        """Requests sent."""
        return len(self.latencies_ms) + len(self.errors)

    def p99(self) -> float:
        """99th percentile latency of successful requests (inf when none succeeded)."""
        return percentile(self.latencies_ms, 99) if self.latencies_ms else float("inf")


def run(*, quick: bool) -> list[Figure]:
    """Measure every engine; returns two figures per engine."""
    contacts = 10_000 if quick else 100_000
    requests = 600 if quick else 3_000
    budget = 20.0 if quick else 90.0
    figures: list[Figure] = []
    for engine_name in bench_engines():
        with engine_url(engine_name, f"api_load_{contacts}") as url:
            eng = make_engine(url)
            try:
                upgrade(eng)
                usernames = populate(eng, contacts=contacts)
            finally:
                eng.dispose()
            with serve(url) as base_url:
                figures.extend(_measure(base_url, engine_name, usernames, requests=requests, budget=budget))
    return figures


def _measure(base_url: str, engine_name: str, usernames: list[str], *, requests: int, budget: float) -> list[Figure]:
    baseline_path = _pick_baseline(base_url)
    rng = random.Random(SEED)
    targets: dict[str, Callable[[int], str]] = {
        "GET /api/v1/tasks": lambda _i: "/api/v1/tasks",
        "GET /api/v1/contacts/{username}": lambda _i: f"/api/v1/contacts/{rng.choice(usernames)}",
    }
    expect_404 = baseline_path.startswith("/__")
    baseline = asyncio.run(
        _load(base_url, lambda _i: baseline_path, requests=requests, budget=budget, ok_404=expect_404)
    )
    figures = []
    for name, path in targets.items():
        result = asyncio.run(_load(base_url, path, requests=requests, budget=budget))
        p99 = result.p99()
        notes = (
            f"{result.requests} requests in {result.seconds:.1f} s ({result.requests / result.seconds:.0f}/s), "
            f"{CLIENTS} clients, p50 {percentile(result.latencies_ms, 50) if result.latencies_ms else 0:.1f} ms, "
            f"errors {len(result.errors)}"
        )
        if result.errors:
            notes += f" (first: {result.errors[0]})"
        figures.append(
            Figure(
                area=AREA,
                name=f"p99 {name}",
                engine=engine_name,
                value=p99,
                unit="ms",
                baseline_name=f"p99 {baseline_path}",
                baseline_value=baseline.p99(),
                target=f"p99 < {TARGET_P99_MS:.0f} ms, 0 errors",
                ok=p99 < TARGET_P99_MS and not result.errors and not baseline.errors,
                notes=notes,
            )
        )
    return figures


async def _load(
    base_url: str, path: Callable[[int], str], *, requests: int, budget: float, ok_404: bool = False
) -> LoadResult:
    """CLIENTS concurrent clients share `requests` requests; stops at the count or after `budget` seconds."""
    result = LoadResult()
    counter = iter(range(requests))
    deadline = time.perf_counter() + budget
    rng = random.Random(SEED)
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)

    async def client_loop(client: httpx.AsyncClient, index: int) -> None:
        # Ramp-up: the clients join one by one across one think time, as people arrive at a running service
        # (50 requests fired in the same instant would measure a burst no user ever makes, not steady load).
        await asyncio.sleep(THINK_SECONDS[1] * index / CLIENTS)
        for i in counter:
            if time.perf_counter() > deadline:
                return
            url = path(i)
            start = time.perf_counter()
            try:
                response = await client.get(url)
            except httpx.HTTPError as exc:
                result.errors.append(f"{url}: {type(exc).__name__}")
                continue
            elapsed = (time.perf_counter() - start) * 1000
            if response.status_code == 200 or (ok_404 and response.status_code == 404):
                result.latencies_ms.append(elapsed)
            else:
                result.errors.append(f"{url}: HTTP {response.status_code}")
            await asyncio.sleep(rng.uniform(*THINK_SECONDS))

    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30.0) as client:
        await client.get(path(0))  # warm-up: imports, first connection, caches
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(client, k) for k in range(CLIENTS)))
        result.seconds = time.perf_counter() - started
    return result


def _pick_baseline(base_url: str) -> str:
    with httpx.Client(base_url=base_url, timeout=10.0) as client:
        for candidate in BASELINE_CANDIDATES:
            if client.get(candidate).status_code == 200:
                return candidate
    return "/__baseline_unrouted__"


# ---------------------------------------------------------------------------------------------------------
# Data: contacts with varied scores, stages and last touches, two messages each, bulk inserted
# ---------------------------------------------------------------------------------------------------------


def populate(eng: Engine, *, contacts: int) -> list[str]:
    """Bulk-insert `contacts` contacts (1% flagged spam) with two messages each; returns the usernames."""
    rng = random.Random(SEED)
    now = datetime.now(UTC)
    usernames = [f"loaduser{i:06d}" for i in range(contacts)]
    contact_rows = []
    message_rows = []
    for name in usernames:
        contact_id = uuid.uuid4()
        touched = now - timedelta(days=rng.uniform(0, 120)) if rng.random() < 0.9 else None
        contact_rows.append(
            {
                "id": contact_id,
                "instagram_username": name,
                "display_name": name.title(),
                "relationship_score": rng.randint(0, 100),
                "relationship_stage": rng.choice(STAGES[:6]),
                "last_meaningful_touch": touched,
                "tags": ["spam"] if rng.random() < 0.01 else [],
                "what_theyre_building": "a newsletter" if rng.random() < 0.3 else None,
                "trust_signals": [],
                "fit_signals": [],
                "value_delivered_log": [],
            }
        )
        for k in range(2):
            message_rows.append(
                {
                    "id": uuid.uuid4(),
                    "contact_id": contact_id,
                    "message_text": f"hey {name}, how is the launch going? ({k})",
                    "is_outbound": k == 0,
                    "sent_by_automation": False,
                    "sent_at": (touched or now) - timedelta(hours=k),
                }
            )
    with eng.begin() as conn:
        for start in range(0, len(contact_rows), 5_000):
            conn.execute(insert(Contact), contact_rows[start : start + 5_000])
        for start in range(0, len(message_rows), 5_000):
            conn.execute(insert(Message), message_rows[start : start + 5_000])
        if eng.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
    return usernames


# ---------------------------------------------------------------------------------------------------------
# The server: uvicorn in a child process, loopback only, stopped when the block ends
# ---------------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(database_url: str) -> Iterator[str]:
    """Run the app under uvicorn on 127.0.0.1 for the block; yields its base URL."""
    port = _free_port()
    home = data_path("api_load_home")
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVERREACH_")}
    env |= {
        "EVERREACH_DATABASE_URL": database_url,
        "EVERREACH_DATA_DIR": str(home),
        "EVERREACH_CONFIG": str(home / "none.toml"),
    }
    log = data_path("api_load_server.log").open("w")
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "everreach.http.app:create_app",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base_url, server)
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _wait_ready(base_url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}; see {data_path('api_load_server.log')}")
        try:
            httpx.get(f"{base_url}/api/v1/openapi.json", timeout=2.0)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("the server did not answer within 60 s")
