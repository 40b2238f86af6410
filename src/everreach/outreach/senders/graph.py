"""graph sender: the Instagram Messaging API Send API (POST /{account}/messages with a bearer token).

Documented behaviour it follows: texts up to 1000 bytes of UTF-8; a reply is allowed within 24 hours of
the contact's last message, or within 7 days with the HUMAN_AGENT message tag when the app has that
permission; errors come as ``{"error": {"code", "error_subcode", "message", "is_transient"}}``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

import httpx

from everreach.config import Settings
from everreach.errors import ConfigError
from everreach.outreach.senders.base import OutboundMessage, SendResult
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

TEXT_LIMIT_BYTES = 1000
STANDARD_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)

#: Temporary failures (2 "unexpected error, retry later", 1200 "temporary send message failure") and
#: rate limits (4 application, 17 user, 32 page, 613 calls): the message was not sent, try again later.
RETRYABLE_CODES = frozenset({2, 4, 17, 32, 613, 1200})
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613})
#: Code 1 ("unknown error") is documented to occur even when the messages were delivered: outcome unknown.
UNKNOWN_OUTCOME_CODES = frozenset({1})


class GraphSender:
    """Sends through the Instagram Messaging API to the contact's Instagram-scoped id (IGSID)."""

    name: ClassVar[str] = "graph"
    delivers: ClassVar[bool] = True
    needs_recipient: ClassVar[bool] = True

    def __init__(self, settings: Settings, *, client: httpx.Client | None = None) -> None:
        if not settings.graph_access_token:
            raise ConfigError("the graph sender needs an access token: set EVERREACH_GRAPH_ACCESS_TOKEN")
        self.url = f"{settings.graph_api_url.rstrip('/')}/{settings.graph_account_id}/messages"
        self.human_agent = settings.graph_human_agent
        self.client = client or make_client(
            settings.sender_timeout_seconds, {"Authorization": f"Bearer {settings.graph_access_token}"}
        )

    @classmethod
    def check_text(cls, text: str) -> str | None:
        """The Send API takes at most 1000 bytes of UTF-8 text."""
        size = len(text.encode("utf-8"))
        if size > TEXT_LIMIT_BYTES:
            return f"text is {size} bytes of UTF-8; the Instagram Messaging API limit is {TEXT_LIMIT_BYTES}"
        return None

    def send(self, message: OutboundMessage) -> SendResult:
        """POST the message, refusing up front what the API would refuse (no IGSID, closed window)."""
        problem = self.check_text(message.text)
        if problem:
            return SendResult.failed(problem)
        if not message.igsid:
            return SendResult.failed(
                f"no Instagram-scoped id for @{message.username}: they must message the account first "
                "(the id arrives with their message through the webhook)"
            )
        body: dict[str, Any] = {"recipient": {"id": message.igsid}, "message": {"text": message.text}}
        since = message.now - message.last_inbound_at if message.last_inbound_at else None
        if since is None or since > STANDARD_WINDOW:
            if not self.human_agent or since is None or since > HUMAN_AGENT_WINDOW:
                window = "7-day human-agent" if self.human_agent else "24-hour"
                last = message.last_inbound_at.isoformat() if message.last_inbound_at else "never"
                return SendResult.failed(
                    f"outside the {window} messaging window (last message from @{message.username}: {last})"
                )
            body["messaging_type"] = "MESSAGE_TAG"
            body["tag"] = "HUMAN_AGENT"
        answer = post_json(self.client, self.url, body, service="the Instagram Messaging API")
        if isinstance(answer, SendResult):
            return answer
        return self._outcome(answer)

    def _outcome(self, response: httpx.Response) -> SendResult:
        data = json_body(response)
        if response.is_success:
            if isinstance(data, dict) and isinstance(data.get("message_id"), str) and data["message_id"]:
                return SendResult.sent(external_id=data["message_id"])
            return SendResult.failed(
                f"delivery unknown: HTTP {response.status_code} without a message_id: {snippet(response)}"
            )
        error = data.get("error") if isinstance(data, dict) else None
        if isinstance(error, dict) and isinstance(error.get("code"), int):
            return self._api_error(response, error)
        if response.status_code == 429:
            return SendResult.retry(
                "rate limited (HTTP 429)", after=retry_after_seconds(response, RATE_LIMIT_RETRY_SECONDS)
            )
        if response.status_code in UNAVAILABLE_STATUSES:
            return SendResult.retry(
                f"Instagram Messaging API unavailable (HTTP {response.status_code})",
                after=retry_after_seconds(response, UNAVAILABLE_RETRY_SECONDS),
            )
        if response.status_code >= 500:
            return SendResult.failed(f"delivery unknown: HTTP {response.status_code}: {snippet(response)}")
        return SendResult.failed(f"refused (HTTP {response.status_code}): {snippet(response)}")

    def _api_error(self, response: httpx.Response, error: dict[str, Any]) -> SendResult:
        code: int = error["code"]
        subcode = error.get("error_subcode")
        described = f"Graph error {code}{f'/{subcode}' if subcode else ''}: {error.get('message') or 'no message'}"
        if code in UNKNOWN_OUTCOME_CODES:
            return SendResult.failed(f"delivery unknown: {described}")
        if code in RETRYABLE_CODES or error.get("is_transient") is True:
            default = RATE_LIMIT_RETRY_SECONDS if code in RATE_LIMIT_CODES else UNAVAILABLE_RETRY_SECONDS
            return SendResult.retry(described, after=retry_after_seconds(response, default))
        return SendResult.failed(described)

    def describe(self) -> str:
        """The endpoint, without the token."""
        return f"graph: {self.url}" + (" (human-agent tag on)" if self.human_agent else "")

    def close(self) -> None:
        """Close the HTTP connections."""
        self.client.close()
