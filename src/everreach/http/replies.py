"""Short refusals sent straight from an ASGI middleware: JSON for /api and /webhooks, a dashboard page otherwise."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.types import Message, Scope, Send

MACHINE_PREFIXES = ("/api/", "/webhooks/")


def wants_json(scope: Scope) -> bool:
    """True for the JSON API and the webhook, which answer errors as `{"detail": ...}`."""
    return str(scope.get("path", "")).startswith(MACHINE_PREFIXES)


async def refuse(
    send: Send, scope: Scope, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    """Answer `status` with `detail` before any route runs (the request body is not read)."""
    extra = list(headers or [])
    if wants_json(scope):
        body = json.dumps({"detail": detail}).encode()
        await _send(send, status, body, b"application/json", extra)
        return
    from everreach.http.web.render import error_page

    page = error_page(Request(scope), status=status, message=detail)
    page.raw_headers.extend(extra)
    await page(scope, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.disconnect"}


async def _send(send: Send, status: int, body: bytes, content_type: bytes, extra: list[Any]) -> None:
    headers: list[Any] = [(b"content-type", content_type), (b"content-length", str(len(body)).encode()), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
