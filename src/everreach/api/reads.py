"""Read-only queries the API and dashboard need beyond the relationship engine: a conversation, totals."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select, text
from sqlalchemy.orm import Session

from everreach.api.schemas import Bucket, MessageRead, Stats
from everreach.db.models import STAGES, Contact, Conversation, Message, OutreachItem
from everreach.errors import NotFoundError
from everreach.seed.handles import normalise_username


def contact_by_username(session: Session, username: str) -> Contact:
    """The contact with this username (any case, with or without '@'), or NotFoundError."""
    contact = session.scalar(select(Contact).where(Contact.instagram_username == normalise_username(username)))
    if contact is None:
        raise NotFoundError(f"no contact named {username!r}")
    return contact


def messages_of(
    session: Session, *, username: str, limit: int = 50, before: datetime | None = None
) -> list[MessageRead]:
    """A contact's messages, newest first (page back with `before`)."""
    contact = contact_by_username(session, username)
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


def stats(session: Session, *, bucket_size: int = 10) -> Stats:
    """Totals, contacts per stage, the score histogram and queue states, in a handful of aggregate queries."""
    spam = text(
        "'spam' = ANY(instagram_contacts.tags)"
        if session.get_bind().dialect.name == "postgresql"
        else "EXISTS (SELECT 1 FROM json_each(instagram_contacts.tags) WHERE value = 'spam')"
    )
    contacts, spam_contacts = session.execute(
        select(func.count(), func.coalesce(func.sum(case((spam, 1), else_=0)), 0)).select_from(Contact)
    ).one()
    messages, outbound, last = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((Message.is_outbound.is_(True), 1), else_=0)), 0),
            func.max(Message.sent_at),
        ).select_from(Message)
    ).one()
    by_stage = dict.fromkeys(STAGES, 0)
    for stage, n in session.execute(
        select(Contact.relationship_stage, func.count()).group_by(Contact.relationship_stage)
    ):
        by_stage[stage or "first_touch"] = by_stage.get(stage or "first_touch", 0) + n
    score = func.coalesce(Contact.relationship_score, 0)
    top = 100 // bucket_size - 1  # 100 falls in the last bucket
    bucket = case((score >= 100, top), (score < 0, 0), else_=score // bucket_size)
    counts: dict[int, int] = dict(session.execute(select(bucket, func.count()).group_by(bucket)).all())
    histogram = [
        Bucket(
            low=i * bucket_size,
            high=min(100, (i + 1) * bucket_size - 1 if i < 100 // bucket_size - 1 else 100),
            count=int(counts.get(i, 0)),
        )
        for i in range(100 // bucket_size)
    ]
    queue = {
        s or "pending": n
        for s, n in session.execute(select(OutreachItem.status, func.count()).group_by(OutreachItem.status))
    }
    return Stats(
        contacts=contacts,
        spam_contacts=int(spam_contacts),
        messages=messages,
        inbound=messages - int(outbound),
        outbound=int(outbound),
        conversations=session.scalar(select(func.count()).select_from(Conversation)) or 0,
        last_message_at=last,
        by_stage=by_stage,
        score_histogram=histogram,
        queue=queue,
    )
