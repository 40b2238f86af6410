"""Fixtures for the HTTP layer: the app built on the test database, a client, small data factories."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from everreach.config import Settings
from everreach.db.models import Contact, Conversation, Message
from everreach.http.app import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"


def make_settings(db_url: str, **overrides: Any) -> Settings:
    """Settings on the test database with the webhook secrets set."""
    values: dict[str, Any] = {
        "database_url": db_url,
        "instagram_app_secret": APP_SECRET,
        "instagram_verify_token": VERIFY_TOKEN,
        "allowed_hosts": ["testserver"],  # the TestClient's Host
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def make_client(db_url: str) -> Iterator[Callable[..., TestClient]]:
    """Build a client on an app with the given setting overrides."""
    clients: list[TestClient] = []

    def build(**overrides: Any) -> TestClient:
        client = TestClient(create_app(make_settings(db_url, **overrides)))
        client.__enter__()
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    """A client on the default test app (no access token, loopback)."""
    return make_client()


def csrf(client: TestClient) -> str:
    """The CSRF token of this client's browser session (fetched from a page when missing)."""
    token = client.cookies.get("everreach_csrf")
    if not token:
        client.get("/api/v1/stats")
        token = client.cookies.get("everreach_csrf")
    assert token
    return token


def add_contact(session: Session, username: str, **fields: Any) -> Contact:
    """Insert a contact (flushed, not committed)."""
    contact = Contact(instagram_username=username, tags=fields.pop("tags", []), **fields)
    session.add(contact)
    session.flush()
    return contact


def add_messages(
    session: Session, contact: Contact, texts: list[tuple[str, bool]], *, start: datetime | None = None
) -> None:
    """Insert a conversation of (text, is_outbound) messages an hour apart, with their stored features."""
    from everreach.messages.featurestore import messages_by_id, store_features

    start = start or datetime.now(UTC) - timedelta(days=2)
    conv = Conversation(contact_id=contact.id, thread_id=contact.instagram_username)
    session.add(conv)
    session.flush()
    rows = [
        Message(
            conversation_id=conv.id,
            contact_id=contact.id,
            message_text=text,
            is_outbound=outbound,
            sent_at=start + timedelta(hours=i),
        )
        for i, (text, outbound) in enumerate(texts)
    ]
    session.add_all(rows)
    session.flush()
    store_features(session, messages_by_id(session, [m.id for m in rows]))
