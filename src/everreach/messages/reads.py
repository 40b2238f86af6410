"""Reading a conversation: a contact's messages, newest first, with their reactions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from everreach.contacts.lookup import get_contact
from everreach.db.models import Message
from everreach.messages.schemas import MessageRead


def messages_of(
    session: Session, *, username: str, limit: int = 50, before: datetime | None = None
) -> list[MessageRead]:
    """A contact's messages, newest first (page back with `before`)."""
    contact = get_contact(session, username=username)
    stmt = select(Message).where(Message.contact_id == contact.id)
    if before is not None:
        stmt = stmt.where(Message.sent_at < before)
    rows = session.scalars(stmt.order_by(Message.sent_at.desc(), Message.id).limit(limit))
    return [_message_read(m) for m in rows]


def _message_read(m: Message) -> MessageRead:
    raw = m.raw_data if isinstance(m.raw_data, dict) else {}
    reactions = [
        str(r.get("emoji") or r.get("reaction") or "")
        for r in raw.get("reactions", [])
        if isinstance(r, dict) and (r.get("emoji") or r.get("reaction"))
    ]
    return MessageRead(
        id=m.id,
        text=m.message_text,
        message_type=m.message_type,
        is_outbound=m.is_outbound,
        sent_by_automation=bool(m.sent_by_automation),
        sent_at=m.sent_at,
        reactions=reactions,
    )
