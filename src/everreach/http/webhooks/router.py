"""`/webhooks/instagram`: Meta's verification handshake (GET) and signed event notifications (POST)."""

from __future__ import annotations

import hmac
import json
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Query, Request
from fastapi.responses import PlainTextResponse

from everreach.http import routes
from everreach.http.deps import AppSettings, DbSession
from everreach.http.webhooks.signature import verify
from everreach.messages.webhook import WebhookResult, store_events
from everreach.messages.webhook_payload import parse_notification

router = routes.router(prefix="/webhooks", tags=["webhooks"])


@router.get("/instagram", response_class=PlainTextResponse)
def verify_subscription(
    settings: AppSettings,
    mode: Annotated[str | None, Query(alias="hub.mode")] = None,
    token: Annotated[str | None, Query(alias="hub.verify_token")] = None,
    challenge: Annotated[str | None, Query(alias="hub.challenge", max_length=1000)] = None,
) -> str:
    """Answer Meta's subscription check with the challenge when the verify token matches."""
    expected = settings.instagram_verify_token
    if not expected or not token or not verify_token_matches(token, expected) or mode not in (None, "subscribe"):
        raise HTTPException(status_code=403, detail="verify token mismatch")
    return challenge or ""


def verify_token_matches(given: str, expected: str) -> bool:
    """Constant-time comparison of the verify token."""
    return hmac.compare_digest(given.encode(), expected.encode())


async def _raw_body(request: Request) -> bytes:
    return await request.body()


@router.post("/instagram", response_model=WebhookResult)
def receive_notification(
    body: Annotated[bytes, Depends(_raw_body)],
    session: DbSession,
    settings: AppSettings,
    signature: Annotated[str | None, Header(alias="X-Hub-Signature-256")] = None,
) -> WebhookResult:
    """Store the events of a notification signed with the app secret (403 when the signature is wrong)."""
    if not verify(body, signature, settings.instagram_app_secret):
        raise HTTPException(status_code=403, detail="invalid or missing X-Hub-Signature-256")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise HTTPException(status_code=400, detail="body is not JSON") from exc
    events, ignored = parse_notification(payload, now=datetime.now(UTC))
    return store_events(session, events, ignored=ignored)
