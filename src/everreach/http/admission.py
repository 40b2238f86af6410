"""At most `MAX_IN_APP` requests inside the app at once; the others wait their turn, in arrival order.

A request's database session spans three trips through the worker-thread pool (the session dependency, the
handler, the commit), and between trips it holds a pooled connection and, for a write, the writer's turn. When
more requests arrive than the pool has threads (a burst, or a rate above what one process serves), every thread
can end up waiting for a connection or a turn that is held by a request waiting for a thread: nothing moves
until the 30 s timeouts, and those answers are 500s ("QueuePool limit reached", "database is locked"). Found
by bench/api_load at 200 requests/s. Keeping fewer requests inside than there are threads (and at least as
many pooled connections as requests inside) means every admitted request always finds a thread and a
connection; the rest wait here, in the event loop, costing nothing but time.

Changes (POST, PUT, PATCH, DELETE) are write units that run one at a time (db.engine.transaction), and one
waiting for its turn still holds a place, a thread and a connection. At 20 writes/s whose turns last longer
than 50 ms, they queued up inside until they held most places and the reads behind them waited too (bench/
api_load). So at most `MAX_WRITES_IN_APP` changes are inside at once (one running, one ready for its turn); the
others wait here as well, and reads pass them. A change that has its write place goes ahead of the reads
waiting for a place: at 200 requests/s, behind hundreds of queued reads, a save waited 17-25 s (bench/api_load).
"""

from __future__ import annotations

import asyncio
from collections import deque

from starlette.types import ASGIApp, Receive, Scope, Send

from everreach.http.security import UNSAFE_METHODS

#: Requests inside the app at once: under the worker-thread pool's 40 (each holds at most one thread at a time),
#: and no more than the database pool's connections (http.app.POOL). Few, because the work is CPU in one
#: process: more requests inside only share the interpreter lock, and a write unit then holds its turn for
#: its CPU time times the number inside. Measured (bench/api_load data, 32 clients without pause, 100k
#: contacts, quiet machine, 2026-12-02): 8 inside served 208-217 req/s on SQLite and 193-198 on PostgreSQL,
#: 3 inside 245-253 and 214-218 (server CPU per request 5.0 ms against 6.1 on SQLite); 2 was as good on
#: SQLite and worse on PostgreSQL, and would let two changes waiting for an outside writer hold every place.
MAX_IN_APP = 3
#: Changes inside the app at once (they take the write turn one at a time anyway).
MAX_WRITES_IN_APP = 2


class _Places:
    """A fixed number of places; waiters are served first come, first served, changes before reads."""

    def __init__(self, count: int) -> None:
        self._free = count
        self._waiting: tuple[deque[asyncio.Future[None]], deque[asyncio.Future[None]]] = (deque(), deque())

    async def take(self, *, change: bool) -> None:
        """Wait for a place (a change is handed the next one free before any waiting read)."""
        if self._free > 0 and not any(self._waiting):
            self._free -= 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._waiting[0 if change else 1]
        queue.append(future)
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.give_back()  # handed a place just as the client went away: pass it on
            else:
                queue.remove(future)
            raise

    def give_back(self) -> None:
        """Hand the place to the first waiting change, else the first waiting read, else free it."""
        for queue in self._waiting:
            while queue:
                future = queue.popleft()
                if not future.done():
                    future.set_result(None)
                    return
        self._free += 1


class AdmissionGate:
    """ASGI middleware: a gate in front of the app (HTTP requests only), first come first served, changes first."""

    def __init__(self, app: ASGIApp, *, limit: int = MAX_IN_APP, writes: int = MAX_WRITES_IN_APP) -> None:
        self.app = app
        self.limit = limit
        self.writes = writes
        self._gate: _Places | None = None
        self._write_gate: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Wait for a place, run the request, give the place back (also when the client goes away)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._gate is None or self._write_gate is None:  # made in the server's event loop, on the first request
            self._gate = _Places(self.limit)
            self._write_gate = asyncio.Semaphore(self.writes)
        change = scope["method"] in UNSAFE_METHODS
        if change:
            async with self._write_gate:  # always before a place: no two requests wait on each other
                await self._inside(self._gate, scope, receive, send, change=True)
            return
        await self._inside(self._gate, scope, receive, send, change=False)

    async def _inside(self, gate: _Places, scope: Scope, receive: Receive, send: Send, *, change: bool) -> None:
        await gate.take(change=change)
        try:
            await self.app(scope, receive, send)
        finally:
            gate.give_back()
