"""The login throttle at the ASGI level: per address, only POST /login, what clears the count, memory bound.

Written to kill mutants that survived in http/login_guard.py (tests/MUTATION.md).
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from everreach.http.login_guard import LoginThrottle, token_problem


class Answers:
    """The wrapped app: answers each request with the next status of a list."""

    def __init__(self, *statuses: int) -> None:
        self.statuses = list(statuses)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.statuses.pop(0), "headers": []})
        await send({"type": "http.response.body", "body": b""})


def _hit(guard: LoginThrottle, *, client: Any = ("10.0.0.1", 5000), method: str = "POST") -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: dict[str, Any] = {"type": "http", "method": method, "path": "/login", "query_string": b"", "headers": []}
    if client is not None:
        scope["client"] = client
    asyncio.run(guard(scope, receive, send))
    return sent


def _guard(*statuses: int, **kwargs: Any) -> LoginThrottle:
    return LoginThrottle(Answers(*statuses), limit=2, window=60.0, clock=lambda: 1000.0, **kwargs)


def test_the_lock_out_is_per_client_address_not_per_port() -> None:
    guard = _guard(401, 401, 200, 200)
    _hit(guard, client=("10.0.0.1", 5000))
    _hit(guard, client=("10.0.0.1", 5001))
    locked = _hit(guard, client=("10.0.0.1", 5002))
    assert locked[0]["status"] == 429
    assert (b"retry-after", b"60") in locked[0]["headers"]
    assert _hit(guard, client=("10.0.0.2", 5000))[0]["status"] == 200
    assert guard.wait_for("10.0.0.1") == 60
    assert guard.wait_for("10.0.0.2") == 0


def test_clients_without_an_address_share_one_count() -> None:
    guard = _guard(401, 401)
    _hit(guard, client=None)
    _hit(guard, client=None)
    assert guard.wait_for("unknown") == 60
    assert _hit(guard, client=None)[0]["status"] == 429


def test_only_post_login_is_throttled() -> None:
    guard = _guard(401, 401, 200)
    _hit(guard)
    _hit(guard)
    assert _hit(guard, method="GET")[0]["status"] == 200  # the login page itself stays reachable


def test_a_400_answer_neither_counts_nor_clears() -> None:
    guard = _guard(401, 400, 401)
    _hit(guard)
    _hit(guard)  # e.g. a malformed form: not a wrong token, not a right one
    assert guard.wait_for("10.0.0.1") == 0
    _hit(guard)
    assert guard.wait_for("10.0.0.1") == 60


def test_the_oldest_address_is_forgotten_first() -> None:
    guard = _guard(max_addresses=2)
    for address in ("a", "b", "c"):
        guard.failed(address)
    assert list(guard.failures) == ["b", "c"]


def test_ten_thousand_addresses_are_remembered_by_default() -> None:
    guard = LoginThrottle(Answers(), clock=lambda: 1000.0)
    for i in range(10_001):
        guard.failed(str(i))
    assert len(guard.failures) == 10_000
    assert "0" not in guard.failures


def test_whitespace_around_the_token_is_named() -> None:
    assert token_problem(" " + "k7" * 20) == "it starts or ends with whitespace"
