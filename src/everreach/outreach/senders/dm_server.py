"""dm-server sender: the REST API of an existing Safari DM server, `POST /api/messages/send-to`.

Contract: JSON ``{"username", "text"}`` in; a 2xx JSON object out (``"success": false`` with ``"error"``
means it could not send); 429 is the server's own rate limit, so the row is rescheduled, not failed.
"""

from __future__ import annotations

from typing import ClassVar

import httpx

from everreach.config import Settings
from everreach.outreach.senders.base import INSTAGRAM_TEXT_CHARS, OutboundMessage, SendResult, check_chars
from everreach.outreach.senders.http import (
    RATE_LIMIT_RETRY_SECONDS,
    UNAVAILABLE_RETRY_SECONDS,
    UNAVAILABLE_STATUSES,
    json_body,
    make_client,
    post_json,
    retry_after_seconds,
    snippet,
)


class DmServerSender:
    """Asks the DM server to type the message into Instagram's web inbox."""

    name: ClassVar[str] = "dm-server"
    delivers: ClassVar[bool] = True
    needs_recipient: ClassVar[bool] = False

    def __init__(self, settings: Settings, *, client: httpx.Client | None = None) -> None:
        self.url = f"{settings.dm_server_url.rstrip('/')}/api/messages/send-to"
        headers = {"Authorization": f"Bearer {settings.dm_server_token}"} if settings.dm_server_token else {}
        self.client = client or make_client(settings.sender_timeout_seconds, headers)

    @classmethod
    def check_text(cls, text: str) -> str | None:
        """Instagram's DM box takes at most 1000 characters."""
        return check_chars(text, INSTAGRAM_TEXT_CHARS)

    def send(self, message: OutboundMessage) -> SendResult:
        """POST {username, text} and read the server's answer."""
        problem = self.check_text(message.text)
        if problem:
            return SendResult.failed(problem)
        answer = post_json(
            self.client, self.url, {"username": message.username, "text": message.text}, service="the DM server"
        )
        if isinstance(answer, SendResult):
            return answer
        return self._outcome(answer)

    def _outcome(self, response: httpx.Response) -> SendResult:
        data = json_body(response)
        detail = _error_text(data) or snippet(response)
        if response.status_code == 429:
            return SendResult.retry(
                f"DM server rate limit (HTTP 429): {detail}",
                after=retry_after_seconds(response, RATE_LIMIT_RETRY_SECONDS),
            )
        if response.status_code in UNAVAILABLE_STATUSES:
            return SendResult.retry(
                f"DM server unavailable (HTTP {response.status_code})",
                after=retry_after_seconds(response, UNAVAILABLE_RETRY_SECONDS),
            )
        if response.is_success:
            if not isinstance(data, dict):
                return SendResult.failed(
                    f"delivery unknown: DM server answered HTTP {response.status_code} with a malformed body: "
                    f"{snippet(response)}"
                )
            if data.get("success") is False:
                return SendResult.failed(f"DM server could not send: {detail}")
            external = data.get("messageId") or data.get("message_id")
            return SendResult.sent(external_id=str(external) if external else None)
        if response.status_code >= 500:
            return SendResult.failed(f"delivery unknown: DM server error (HTTP {response.status_code}): {detail}")
        return SendResult.failed(f"DM server refused (HTTP {response.status_code}): {detail}")

    def describe(self) -> str:
        """The endpoint."""
        return f"dm-server: {self.url}"

    def close(self) -> None:
        """Close the HTTP connections."""
        self.client.close()


def _error_text(data: object) -> str | None:
    if isinstance(data, dict):
        for key in ("error", "message", "detail"):
            value = data.get(key)
            if isinstance(value, str) and value:
                return value
    return None
