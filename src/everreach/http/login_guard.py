"""Guessing the access token: a strong token is required, and wrong tries at /login are throttled per address.

Throttle: after `limit` wrong tokens from one client address within `window` seconds, POST /login answers 429
(with Retry-After) until the oldest of them is older than the window; a right token clears the count. Kept in
memory for a bounded number of addresses (the oldest are forgotten first). A server of several worker
processes (`everreach serve --workers N`) gives each process its share (`per_process_limit`), so up to five
processes together allow no more wrong tries than one alone (more than five: one try each).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from everreach.http.replies import refuse

MIN_TOKEN_LENGTH = 24
MIN_DISTINCT_CHARACTERS = 8
#: Wrong tokens from one address within the window before /login answers 429 (a whole server).
LOGIN_TRIES = 5
MAKE_TOKEN = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'
LOGIN_PATH = "/login"


def per_process_limit(workers: int, *, limit: int = LOGIN_TRIES) -> int:
    """Each of `workers` processes' share of the wrong tries (at least one; the sum at most `limit`)."""
    return max(1, limit // max(1, workers))


def token_problem(token: str) -> str | None:
    """Why an access token is too weak to guard a server (None when it is fine)."""
    if token != token.strip():
        return "it starts or ends with whitespace"
    if len(token) < MIN_TOKEN_LENGTH:
        return f"it has {len(token)} characters, at least {MIN_TOKEN_LENGTH} are needed"
    if len(set(token)) < MIN_DISTINCT_CHARACTERS:
        return f"it uses fewer than {MIN_DISTINCT_CHARACTERS} different characters"
    return None


def weak_token_message(problem: str) -> str:
    """The error shown when the configured token is weak, saying how to make a good one."""
    return f"EVERREACH_ACCESS_TOKEN is too weak ({problem}); make a strong one with: {MAKE_TOKEN}"


class LoginThrottle:
    """ASGI middleware throttling wrong tokens at POST /login per client address (see the module docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int = LOGIN_TRIES,
        window: float = 60.0,
        max_addresses: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.limit = limit
        self.window = window
        self.max_addresses = max_addresses
        self.clock = clock
        self.failures: OrderedDict[str, deque[float]] = OrderedDict()

    def wait_for(self, address: str) -> int:
        """Whole seconds this address must wait before its next try (0: it may try now)."""
        recent = self._recent(address)
        if len(recent) < self.limit:
            return 0
        return max(1, math.ceil(recent[-self.limit] + self.window - self.clock()))

    def failed(self, address: str) -> None:
        """Count one wrong token from this address."""
        recent = self._recent(address)
        recent.append(self.clock())
        self.failures[address] = recent
        self.failures.move_to_end(address)
        while len(self.failures) > self.max_addresses:
            self.failures.popitem(last=False)

    def succeeded(self, address: str) -> None:
        """Forget this address's wrong tries (it knows the token)."""
        self.failures.pop(address, None)

    def _recent(self, address: str) -> deque[float]:
        recent = self.failures.get(address, deque())
        cutoff = self.clock() - self.window
        while recent and recent[0] <= cutoff:
            recent.popleft()
        return recent

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse a login try while its address is locked out; count the outcome of the others."""
        if scope["type"] != "http" or scope["path"] != LOGIN_PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = str(client[0]) if client else "unknown"
        wait = self.wait_for(address)
        if wait:
            detail = f"Too many wrong tokens from your address: wait {wait} seconds and try again."
            await refuse(send, scope, 429, detail, [(b"retry-after", str(wait).encode())])
            return

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                if message["status"] == 401:
                    self.failed(address)
                elif message["status"] < 400:
                    self.succeeded(address)
            await send(message)

        await self.app(scope, receive, watch)
