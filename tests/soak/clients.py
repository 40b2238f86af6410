"""The soak's API clients: people reading and writing at once, each keeping a ledger of what the server accepted.

Writes go where they collide: value-log entries and queue rows on a few "hot" contacts every client shares (two
people logging on one contact at the same moment must both be kept; two queue requests for one contact must
not both open a message), context cards on contacts each client owns (so the last accepted card is known).
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

LOCKED = "database is locked"
logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request would drown the soak's report
THINK_SECONDS = (0.02, 0.2)


@dataclass
class Ledger:
    """What one client saw: counts by status, errors a person would see, and every write the server accepted."""

    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    values: list[tuple[str, str]] = field(default_factory=list)  # (username, note)
    contexts: dict[str, str] = field(default_factory=dict)  # username -> last accepted current_friction
    queued: list[tuple[str, str, str]] = field(default_factory=list)  # (id, username, text)
    uploads: list[dict[str, object]] = field(default_factory=list)  # finished import jobs
    seconds: dict[str, list[float]] = field(default_factory=lambda: {"read": [], "write": []})

    def merge(self, other: Ledger) -> None:
        """Add another client's ledger to this one."""
        self.statuses.update(other.statuses)
        self.errors += other.errors
        self.values += other.values
        self.contexts |= other.contexts
        self.queued += other.queued
        self.uploads += other.uploads
        for kind, samples in other.seconds.items():
            self.seconds[kind] += samples

    @property
    def requests(self) -> int:
        """Answers received."""
        return sum(self.statuses.values())


@dataclass
class Client:
    """One person at the API until `deadline` (time.monotonic)."""

    base_url: str
    index: int
    hot: list[str]
    own: list[str]
    everyone: list[str]
    deadline: float
    uploads: list[Path] = field(default_factory=list)
    ledger: Ledger = field(default_factory=Ledger)

    def run(self) -> None:
        """Read and write until the deadline (uploads first, if any were given to this client)."""
        rng = random.Random(1000 + self.index)
        operations: list[tuple[int, Callable[[httpx.Client, random.Random], None]]] = [
            (12, self._list), (10, self._detail), (6, self._tasks), (6, self._search), (3, self._attention),
            (4, self._queue_list), (3, self._next), (2, self._stats),
            (6, self._value), (4, self._context), (4, self._queue_add),
        ]  # fmt: skip
        weights = [w for w, _ in operations]
        with httpx.Client(base_url=self.base_url, timeout=120.0, headers={"Origin": self.base_url}) as http:
            for path in self.uploads:
                self._upload(http, path)
            while time.monotonic() < self.deadline:
                _, operation = rng.choices(operations, weights)[0]
                operation(http, rng)
                time.sleep(rng.uniform(*THINK_SECONDS))

    # -- requests ---------------------------------------------------------------------------------------------

    def _send(
        self, http: httpx.Client, method: str, url: str, *, ok: tuple[int, ...] = (200,), **kw: object
    ) -> httpx.Response | None:
        started = time.monotonic()
        try:
            response = http.request(method, url, **kw)  # type: ignore[arg-type]
        except httpx.HTTPError as exc:
            self.ledger.errors.append(f"{method} {url}: {type(exc).__name__}: {exc}")
            return None
        self.ledger.seconds["read" if method == "GET" else "write"].append(time.monotonic() - started)
        self.ledger.statuses[response.status_code] += 1
        if response.status_code not in ok or LOCKED in response.text:
            self.ledger.errors.append(f"{method} {url}: HTTP {response.status_code}: {response.text[:300]}")
            return None
        return response

    def _list(self, http: httpx.Client, rng: random.Random) -> None:
        sort = rng.choice(["score", "username", "recent", "stale"])
        self._send(http, "GET", f"/api/v1/contacts?sort={sort}&limit={rng.choice([20, 50, 200])}")

    def _detail(self, http: httpx.Client, rng: random.Random) -> None:
        self._send(http, "GET", f"/api/v1/contacts/{rng.choice(self.everyone)}")

    def _tasks(self, http: httpx.Client, _rng: random.Random) -> None:
        self._send(http, "GET", "/api/v1/tasks")

    def _search(self, http: httpx.Client, rng: random.Random) -> None:
        self._send(http, "GET", f"/api/v1/search?q={rng.choice(['launch', 'thanks', 'price', 'hey', 'newsletter'])}")

    def _attention(self, http: httpx.Client, _rng: random.Random) -> None:
        self._send(http, "GET", "/api/v1/attention?limit=20")

    def _queue_list(self, http: httpx.Client, _rng: random.Random) -> None:
        self._send(http, "GET", "/api/v1/queue?limit=50")

    def _next(self, http: httpx.Client, rng: random.Random) -> None:
        self._send(http, "GET", f"/api/v1/contacts/{rng.choice(self.everyone)}/next")

    def _stats(self, http: httpx.Client, _rng: random.Random) -> None:
        self._send(http, "GET", "/api/v1/stats")

    def _value(self, http: httpx.Client, rng: random.Random) -> None:
        username, note = rng.choice(self.hot), f"soak value {self.index} {uuid.uuid4().hex}"
        body = {"kind": rng.choice(["link", "intro", "feedback"]), "note": note}
        if self._send(http, "POST", f"/api/v1/contacts/{username}/value", json=body) is not None:
            self.ledger.values.append((username, note))

    def _context(self, http: httpx.Client, rng: random.Random) -> None:
        username, friction = rng.choice(self.own), f"soak friction {self.index} {uuid.uuid4().hex}"
        body = {"current_friction": friction}
        if self._send(http, "PUT", f"/api/v1/contacts/{username}/context", json=body) is not None:
            self.ledger.contexts[username] = friction

    def _queue_add(self, http: httpx.Client, rng: random.Random) -> None:
        username, text = rng.choice(self.hot), f"soak hello {self.index} {uuid.uuid4().hex[:12]}"
        response = self._send(http, "POST", "/api/v1/queue", ok=(201, 409), json={"username": username, "text": text})
        if response is not None and response.status_code == 201:
            self.ledger.queued.append((response.json()["id"], username, text))

    def _upload(self, http: httpx.Client, path: Path) -> None:
        # A multipart upload is what a browser form sends: it needs the CSRF cookie's token, as the page has.
        self._send(http, "GET", "/api/v1/stats")
        csrf = {"X-CSRF-Token": http.cookies.get("everreach_csrf", "")}
        with path.open("rb") as f:
            files = {"file": (path.name, f)}
            response = self._send(http, "POST", "/api/v1/imports", ok=(202,), files=files, headers=csrf)
        if response is None:
            return
        job_id = response.json()["id"]
        give_up = self.deadline + 180
        while time.monotonic() < give_up:
            polled = self._send(http, "GET", f"/api/v1/imports/{job_id}")
            if polled is None:
                return
            job = polled.json()
            if job["state"] in ("done", "failed"):
                self.ledger.uploads.append(job)
                return
            time.sleep(0.5)
        self.ledger.errors.append(f"upload {path.name}: the import job was still running 180 s after the soak")


def run_clients(clients: list[Client]) -> Ledger:
    """Run every client in its own thread; returns their merged ledgers."""
    threads = [threading.Thread(target=c.run, name=f"soak-client-{c.index}") for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ledger = Ledger()
    for client in clients:
        ledger.merge(client.ledger)
    return ledger
