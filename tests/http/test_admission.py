"""The admission gate: at most N requests inside the app, the rest wait in arrival order (found by bench/api_load).

Without it, 200 requests/s on one process filled the worker-thread pool with requests waiting for a database
connection (or the writer's turn) held by requests waiting for a thread: 500s after 30 s, "QueuePool limit
reached" and "database is locked".
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from everreach.config import Settings
from everreach.http.admission import MAX_IN_APP, AdmissionGate
from everreach.http.app import POOL, create_app


class Recorder:
    """An app that holds each request a moment and records how many were inside at once, and their order."""

    def __init__(self) -> None:
        self.inside = 0
        self.most = 0
        self.order: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.inside += 1
        self.most = max(self.most, self.inside)
        self.order.append(scope["path"])
        await asyncio.sleep(0.01)
        self.inside -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


async def _burst(app: AdmissionGate, n: int) -> list[int]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as client:

        async def one(i: int) -> int:
            await asyncio.sleep(i * 0.0005)  # arrivals in a known order
            return (await client.get(f"/{i}")).status_code

        return list(await asyncio.gather(*(one(i) for i in range(n))))


def test_at_most_the_limit_inside_and_first_come_first_served() -> None:
    inner = Recorder()
    statuses = asyncio.run(_burst(AdmissionGate(inner, limit=3), 40))
    assert statuses == [200] * 40
    assert inner.most == 3
    assert inner.order == [f"/{i}" for i in range(40)]


class WriteTurns:
    """An app where each change waits for one shared turn (as write units do) and reads do not."""

    def __init__(self) -> None:
        self.turn = asyncio.Lock()
        self.changes_inside = 0
        self.most_changes = 0
        self.done: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] == "POST":
            self.changes_inside += 1
            self.most_changes = max(self.most_changes, self.changes_inside)
            async with self.turn:
                await asyncio.sleep(0.02)
            self.changes_inside -= 1
        self.done.append(f"{scope['method']} {scope['path']}")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def test_changes_waiting_for_their_turn_do_not_take_the_places_of_reads() -> None:
    inner = WriteTurns()
    gate = AdmissionGate(inner, limit=4, writes=2)

    async def run() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gate), base_url="http://127.0.0.1") as client:
            changes = [asyncio.create_task(client.post(f"/w{i}")) for i in range(6)]
            await asyncio.sleep(0.005)  # the changes arrived first and fill more places than the gate has
            reads = [asyncio.create_task(client.get(f"/r{i}")) for i in range(3)]
            assert [r.status_code for r in await asyncio.gather(*changes, *reads)] == [200] * 9

    asyncio.run(run())
    assert inner.most_changes == 2
    # Every read was answered while the changes still queued for their turns (without the write gate, four
    # changes would hold the four places and the reads would wait for them).
    assert set(inner.done[:3]) == {"GET /r0", "GET /r1", "GET /r2"}


def test_a_request_that_fails_gives_its_place_back() -> None:
    calls = 0

    async def broken(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("handler bug")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    gate = AdmissionGate(broken, limit=1)
    with pytest.raises(RuntimeError):
        asyncio.run(_burst(gate, 1))
    assert asyncio.run(_burst(gate, 5)) == [200] * 5  # the failed request's place came back
    assert calls == 6


def test_the_app_is_gated_with_a_connection_for_every_admitted_request(db_url: str) -> None:
    app = create_app(Settings(database_url=db_url))
    assert any(m.cls is AdmissionGate for m in app.user_middleware)
    assert app.state.engine.pool.size() + POOL["max_overflow"] >= MAX_IN_APP
    assert MAX_IN_APP < 40  # under the worker-thread pool (anyio's default 40 threads)


class Held(Recorder):
    """A Recorder whose first request stays inside until `release` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.order:
            self.order.append(scope["path"])
            self.inside = self.most = 1
            await self.release.wait()
            self.order.pop()
            self.inside = 0
        await super().__call__(scope, receive, send)


async def _until(condition: Callable[[], bool]) -> None:
    """Wait (a few seconds at most) until the condition holds: queued in a known order on any machine."""
    for _ in range(5000):
        if condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError("the gate never got there")


def test_a_change_goes_ahead_of_the_reads_waiting_for_a_place() -> None:
    inner = Held()
    gate = AdmissionGate(inner, limit=1, writes=2)

    def waiting() -> int:
        return sum(len(queue) for queue in gate._gate._waiting) if gate._gate else 0

    async def run() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gate), base_url="http://127.0.0.1") as client:
            first = asyncio.create_task(client.get("/r0"))
            await _until(lambda: inner.inside == 1)  # r0 is inside; the rest wait
            reads = []
            for i in range(1, 4):
                reads.append(asyncio.create_task(client.get(f"/r{i}")))
                await _until(lambda i=i: waiting() == i)
            change = asyncio.create_task(client.post("/w"))
            await _until(lambda: waiting() == 4)
            inner.release.set()
            answers = await asyncio.gather(first, *reads, change)
            assert [r.status_code for r in answers] == [200] * 5

    asyncio.run(run())
    assert inner.most == 1
    assert inner.order == ["/r0", "/w", "/r1", "/r2", "/r3"]  # the reads keep their own order


def test_a_waiting_client_that_goes_away_leaves_no_place_taken() -> None:
    inner = Recorder()
    gate = AdmissionGate(inner, limit=1)

    async def run() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gate), base_url="http://127.0.0.1") as client:
            first = asyncio.create_task(client.get("/r0"))
            await asyncio.sleep(0.002)
            gone = asyncio.create_task(client.get("/gone"))
            await asyncio.sleep(0.001)
            gone.cancel()
            await first
            assert (await client.get("/after")).status_code == 200

    asyncio.run(run())
    assert "/gone" not in inner.order
    assert inner.order == ["/r0", "/after"]
