"""Contact bookkeeping after webhook writes: counters, conversation previews, usernames for scoped ids."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.orm import Session

from everreach.db.models import (
    Contact,
    ContactIdentity,
    Conversation,
    FitSignalMatch,
    Message,
    MessageExternalId,
    OutreachItem,
    RelationshipEvent,
    StageChange,
)
from everreach.errors import NotFoundError, ValidationError
from everreach.relationship.touch import meaningful_sql
from everreach.seed.handles import normalise_username


def refresh_contacts(session: Session, *, contact_ids: Collection[uuid.UUID]) -> None:
    """Recount messages, last meaningful touch and conversation previews of the given contacts."""
    if not contact_ids:
        return
    ids = list(contact_ids)
    table = Message.__table__.c
    meaningful = meaningful_sql(
        text=table.message_text,
        is_outbound=table.is_outbound,
        sent_by_automation=table.sent_by_automation,
        message_type=table.message_type,
    )
    rows = session.execute(
        select(
            Message.contact_id,
            func.sum(case((Message.is_outbound.is_(True), 1), else_=0)),
            func.sum(case((Message.is_outbound.is_(True), 0), else_=1)),
            func.max(case((meaningful, Message.sent_at), else_=None)),
        )
        .where(Message.contact_id.in_(ids), Message.message_type != "deleted")
        .group_by(Message.contact_id)
    ).all()
    for contact_id, sent, received, last_touch in rows:
        session.execute(
            update(Contact)
            .where(Contact.id == contact_id)
            .values(
                total_messages_sent=int(sent or 0),
                total_messages_received=int(received or 0),
                last_meaningful_touch=last_touch,
                updated_at=func.now(),
            )
        )
    for conv in session.scalars(select(Conversation).where(Conversation.contact_id.in_(ids))):
        last = session.execute(
            select(Message.message_text, Message.sent_at, Message.is_outbound)
            .where(Message.conversation_id == conv.id, Message.message_type != "deleted")
            .order_by(Message.sent_at.desc())
            .limit(1)
        ).first()
        if last is not None:
            conv.last_message_preview = last[0][:200]
            conv.last_message_at = last[1]
            conv.last_message_is_outbound = last[2]
            if not last[2]:
                conv.is_read = False
    session.flush()
    _recompute(session, ids)


def _recompute(session: Session, ids: list[uuid.UUID]) -> None:
    """Let the relationship engine rescore the contacts that just got messages."""
    from everreach.relationship import service

    for contact_id in ids:
        service.recompute_contact(session, contact_id=contact_id)


def attach_identity(session: Session, *, provider: str, external_id: str, username: str) -> Contact:
    """Name the contact behind an external id: rename its placeholder, or merge it into the named contact."""
    username = normalise_username(username)
    if not username:
        raise ValidationError("username must not be empty")
    identity = session.scalar(
        select(ContactIdentity).where(ContactIdentity.provider == provider, ContactIdentity.external_id == external_id)
    )
    if identity is None:
        raise NotFoundError(f"no contact has the {provider} id {external_id!r}")
    source = session.get(Contact, identity.contact_id)
    assert source is not None
    target = session.scalar(select(Contact).where(Contact.instagram_username == username))
    if target is None or target.id == source.id:
        source.instagram_username = username
        session.flush()
        return source
    _merge(session, source=source, target=target)
    return target


def _merge(session: Session, *, source: Contact, target: Contact) -> None:
    """Move everything of `source` onto `target` (a message both have is kept once), then drop `source`."""
    for msg in session.scalars(select(Message).where(Message.contact_id == source.id)).all():
        twin = session.scalar(
            select(Message.id).where(
                Message.contact_id == target.id,
                Message.message_text == msg.message_text,
                Message.sent_at == msg.sent_at,
            )
        )
        if twin is not None:
            session.execute(
                update(MessageExternalId).where(MessageExternalId.message_id == msg.id).values(message_id=twin)
            )
            session.execute(update(FitSignalMatch).where(FitSignalMatch.message_id == msg.id).values(message_id=twin))
            session.delete(msg)
        else:
            msg.contact_id = target.id
    session.flush()
    for model in (Conversation, ContactIdentity, StageChange, RelationshipEvent, FitSignalMatch, OutreachItem):
        session.execute(update(model).where(model.contact_id == source.id).values(contact_id=target.id))
    session.execute(delete(Contact).where(Contact.id == source.id))
    session.flush()
    refresh_contacts(session, contact_ids=[target.id])
