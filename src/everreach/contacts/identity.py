"""Identities: name the contact behind an external id, merging it into the contact of that name."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from everreach.contacts.usernames import normalise_username
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
from everreach.messages.writer.one import refresh_contacts

#: The provider of Instagram-scoped ids (webhook senders).
INSTAGRAM = "instagram"


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


def link_username(session: Session, *, igsid: str, username: str) -> Contact:
    """Give the contact known by an Instagram-scoped id its real username (merging into an existing contact)."""
    return attach_identity(session, provider=INSTAGRAM, external_id=igsid, username=username)
