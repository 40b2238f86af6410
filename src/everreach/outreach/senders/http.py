"""What the network senders share: one POST, and transport failures mapped to retry vs delivery unknown.

At most once is the rule: a failure before the request left (cannot connect) may be retried; once the
request may have reached the server (timeout waiting for the answer, connection dropped mid-answer), the
outcome is unknown and the row fails without being sent again.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from everreach.outreach.senders.base import SendResult

CONNECT_RETRY_SECONDS = 120.0
RATE_LIMIT_RETRY_SECONDS = 900.0
UNAVAILABLE_RETRY_SECONDS = 300.0
#: Gateway/unavailable answers mean the request was not processed, so another try cannot double-send.
UNAVAILABLE_STATUSES = frozenset({502, 503, 504})


def make_client(timeout_seconds: float, headers: dict[str, str] | None = None) -> httpx.Client:
    """An httpx client with the configured timeout (connecting gets at most 10 s of it)."""
    timeout = httpx.Timeout(timeout_seconds, connect=min(timeout_seconds, 10.0))
    return httpx.Client(timeout=timeout, headers=headers or {}, follow_redirects=False)


def post_json(client: httpx.Client, url: str, body: dict[str, Any], *, service: str) -> httpx.Response | SendResult:
    """POST a JSON body; a response, or the SendResult for a transport failure."""
    try:
        return client.post(url, json=body)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        return SendResult.retry(f"cannot reach {service}: {_describe(exc)}", after=CONNECT_RETRY_SECONDS)
    except httpx.TimeoutException:
        return SendResult.failed(
            f"delivery unknown: no answer from {service} within {client.timeout.read} s (not re-sent)"
        )
    except httpx.HTTPError as exc:
        return SendResult.failed(f"delivery unknown: {service} connection failed: {_describe(exc)} (not re-sent)")


def json_body(response: httpx.Response) -> Any:
    """The decoded JSON body, or None when it is not JSON."""
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def retry_after_seconds(response: httpx.Response, default: float) -> float:
    """The server's Retry-After (seconds or an HTTP date), else the default."""
    raw = response.headers.get("retry-after")
    if not raw:
        return default
    try:
        return max(float(raw), 1.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return default
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 1.0)


def snippet(response: httpx.Response, limit: int = 200) -> str:
    """The start of a response body for an error message, on one line."""
    text = " ".join(response.text.split())
    return text[:limit] + ("…" if len(text) > limit else "")


def _describe(exc: Exception) -> str:
    return str(exc) or type(exc).__name__
