"""Small keyword-only factories for the message writer and feature store tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from everreach.db.models import Contact, Message
from everreach.messages.featurerows import MessageToStore

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)


def contact(session: Session, *, username: str) -> Contact:
    """A contact row, flushed."""
    c = Contact(instagram_username=username, display_name=username.title(), tags=[])
    session.add(c)
    session.flush()
    return c


def message(
    session: Session,
    *,
    contact: Contact,
    text: str,
    days_ago: float,
    out: bool = False,
    auto: bool = False,
    message_type: str = "text",
) -> MessageToStore:
    """A message row written by hand (no features), flushed; the same message as the feature store reads it."""
    row = Message(
        id=uuid.uuid4(),
        contact_id=contact.id,
        message_text=text,
        message_type=message_type,
        is_outbound=out,
        sent_by_automation=auto,
        sent_at=NOW - timedelta(days=days_ago),
    )
    session.add(row)
    session.flush()
    return MessageToStore(row.id, contact.id, row.sent_at, text, message_type, out, auto)  # type: ignore[arg-type]
