"""Dashboard pages at 100k contacts (quick: 10k): p95 server time of every page, target under 50 ms.

The app runs in this process; an ASGI wrapper times each request from the moment the app receives it to its
last byte, so the figure is the server's own time (routing, queries, rendering), not the client's. Requests are
sequential, after one warm-up request per page. The same-run baseline is the cheapest route of the same app, a
static file (the favicon). The data is api_load's bulk-inserted contacts (varied scores, stages, last touches,
two messages each) plus the seeded templates, stage changes spread over the last 12 weeks for 30% of the
contacts, and a few hundred queue rows.
"""

from __future__ import annotations

import random
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from bench.api_load import populate
from bench.common import Figure, bench_engines, engine_url, percentile
from everreach.config import Settings
from everreach.db.engine import make_engine
from everreach.db.migrate import upgrade
from everreach.db.models import Contact, OutreachItem, StageChange
from everreach.http.app import create_app
from everreach.relationship.rules.stages import STAGES
from everreach.seed.defaults import seed_defaults

AREA = "pages"
TARGET_P95_MS = 50.0
BASELINE = "/static/favicon.svg"
SEED = 11


class ServerTimer:
    """ASGI wrapper: the seconds from receiving each request to sending its last body chunk."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.samples: list[float] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Time one request (lifespan and other scopes pass through untimed)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()

        async def timed_send(message: Any) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.samples.append(time.perf_counter() - start)

        await self.app(scope, receive, timed_send)


def pages(usernames: list[str]) -> dict[str, list[str]]:
    """Every dashboard page (name -> the URLs to cycle through)."""
    rng = random.Random(SEED)
    people = rng.sample(usernames, 20)
    return {
        "/ (Today)": ["/"],
        "/contacts": ["/contacts"],
        "/contacts sorted by stage": ["/contacts?sort=stage&dir=asc"],
        "/contacts?q= name filter": [f"/contacts?q={u[-5:]}" for u in people],
        "/contacts/{username}": [f"/contacts/{u}" for u in people],
        "/contacts/{username}/suggestion": [f"/contacts/{u}/suggestion" for u in people],
        "/search?q=": ["/search?q=loaduser0001", "/search?q=thanks", "/search?q=launch"],
        "/queue": ["/queue"],
        "/pipeline": ["/pipeline"],
        "/settings": ["/settings"],
        "/import": ["/import"],
    }


def add_history_and_queue(eng: Engine, usernames: list[str]) -> None:
    """Seeded templates, stage changes over the last 12 weeks for 30% of the contacts, 300 queue rows."""
    rng = random.Random(SEED)
    now = datetime.now(UTC)
    with Session(eng) as session:
        seed_defaults(session)
        session.commit()
    with eng.begin() as conn:
        ids = dict(conn.execute(select(Contact.instagram_username, Contact.id)).tuples().all())
        changes = []
        for name in rng.sample(usernames, len(usernames) * 3 // 10):
            step = rng.randrange(1, len(STAGES) - 2)
            changes.append({"id": uuid.uuid4(), "contact_id": ids[name], "from_stage": STAGES[step - 1],
                            "to_stage": STAGES[step], "reason": "bench", "source": "auto",
                            "changed_at": now - timedelta(days=rng.uniform(0, 84))})  # fmt: skip
        for start in range(0, len(changes), 5_000):
            conn.execute(insert(StageChange), changes[start : start + 5_000])
        queue = [
            {"id": uuid.uuid4(), "contact_id": ids[name], "username": name, "message_text": f"hello {name}",
             "priority": 5, "status": rng.choice(("pending", "sent", "cancelled")),
             "created_at": now - timedelta(hours=rng.uniform(0, 72))}
            for name in rng.sample(usernames, 300)
        ]  # fmt: skip
        conn.execute(insert(OutreachItem), queue)


def run(*, quick: bool) -> list[Figure]:
    """Build the data per engine and time every page."""
    contacts = 10_000 if quick else 100_000
    requests = 30 if quick else 60
    figures: list[Figure] = []
    for engine_name in bench_engines():
        with engine_url(engine_name, f"pages-{contacts}") as url:
            eng = make_engine(url)
            try:
                upgrade(eng)
                usernames = populate(eng, contacts=contacts)
                add_history_and_queue(eng, usernames)
            finally:
                eng.dispose()
            figures.extend(_measure(url, engine_name, usernames, requests=requests))
    return figures


def _measure(url: str, engine_name: str, usernames: list[str], *, requests: int) -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=url, data_dir=Path(tmp))
        timer = ServerTimer(create_app(settings))
        with TestClient(timer, base_url="http://127.0.0.1") as client:  # type: ignore[arg-type]
            baseline = _p95(client, timer, [BASELINE], requests)
            figures = []
            for name, urls in pages(usernames).items():
                p95 = _p95(client, timer, urls, requests)
                figures.append(
                    Figure(
                        area=AREA,
                        name=f"p95 server time GET {name}",
                        engine=engine_name,
                        value=round(p95, 2),
                        unit="ms",
                        baseline_name=f"p95 GET {BASELINE}",
                        baseline_value=round(baseline, 2),
                        target=f"p95 < {TARGET_P95_MS:.0f} ms",
                        ok=p95 < TARGET_P95_MS,
                        notes=f"{len(usernames)} contacts, {requests} sequential requests",
                    )
                )
    return figures


def _p95(client: TestClient, timer: ServerTimer, urls: list[str], requests: int) -> float:
    """p95 in ms of `requests` requests cycling through `urls` (after one warm-up request each)."""
    for u in urls:
        _get(client, u)
    timer.samples.clear()
    for i in range(requests):
        _get(client, urls[i % len(urls)])
    return percentile([s * 1000 for s in timer.samples], 95)


def _get(client: TestClient, url: str) -> None:
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url}: HTTP {response.status_code}: {response.text[:200]}")
