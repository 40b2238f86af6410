"""The single-message lane of the message writer: one row at a time, for the webhook and outreach.

Statements are built once and run on the session's connection (not the unit of work): outreach writes inside
every send's outcome transaction. The bulk lane (`bulk.py`) writes imports; both store the same row forms and
the same conversation preview (`rows.preview`). Each message's message_features row is stored with it
(`featurestore.store_features`), unless the caller writes several and stores their features in one batch.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from everreach.contacts.counters import recount
from everreach.db.models import Conversation, Message, MessageExternalId
from everreach.messages.featurerows import MessageToStore
from everreach.messages.featurestore import store_features
from everreach.messages.limits import fit_text
from everreach.messages.writer.rows import preview

_INSERT_MESSAGE = insert(Message)
_LATEST_CONVERSATION = (
    select(Conversation.id)
    .where(Conversation.contact_id == bindparam("contact_id"))
    .order_by(Conversation.last_message_at.desc().nulls_last(), Conversation.created_at.desc())
    .limit(1)
)
_INSERT_CONVERSATION = insert(Conversation)
_TOUCH_CONVERSATION = update(Conversation).where(Conversation.id == bindparam("conversation_id"))


@lru_cache
def _insert_if_new(dialect: str) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id (the seed's unique (contact, text, time) is the guard)."""
    module: Any = sqlite if dialect == "sqlite" else postgresql
    return module.insert(Message).on_conflict_do_nothing().returning(Message.id)


@lru_cache
def _link(dialect: str) -> Any:
    module: Any = sqlite if dialect == "sqlite" else postgresql
    return module.insert(MessageExternalId).on_conflict_do_nothing().returning(MessageExternalId.external_id)


def write_message(
    session: Session,
    *,
    contact_id: uuid.UUID,
    conversation_id: uuid.UUID,
    text: str,
    message_type: str,
    is_outbound: bool,
    sent_by_automation: bool,
    sent_at: datetime,
    raw_data: dict[str, Any],
    created_at: datetime | None = None,
    if_new: bool = False,
    features: bool = True,
) -> uuid.UUID | None:
    """Insert one message and its features; its id. With `if_new`, None when the same text at the same instant
    is stored already. `features=False` leaves the features to the caller (`store_features` for its batch).

    A text over the stored limit is cut (messages.limits), the whole text kept in raw_data["full_text"]."""
    full = text
    text, cut = fit_text(text)
    if cut:
        raw_data = {**raw_data, "full_text": raw_data.get("full_text") or full}
    conn = session.connection()
    message_id = uuid.uuid4()
    row: dict[str, Any] = {
        "id": message_id,
        "conversation_id": conversation_id,
        "contact_id": contact_id,
        "message_text": text,
        "message_type": message_type,
        "is_outbound": is_outbound,
        "sent_by_automation": sent_by_automation,
        "sent_at": sent_at,
        "raw_data": raw_data,
    }
    if created_at is not None:
        row["created_at"] = created_at
    if not if_new:
        conn.execute(_INSERT_MESSAGE, row)
    elif conn.execute(_insert_if_new(conn.dialect.name), row).scalar() is None:
        return None
    if features:
        written = MessageToStore(message_id, contact_id, sent_at, text, message_type, is_outbound, sent_by_automation)
        store_features(session, [written])
    return message_id


def link_external_id(session: Session, *, external_id: str, message_id: uuid.UUID, provider: str) -> bool:
    """Know a message by a provider's id (an echo with that id is then the same message); False when known."""
    conn = session.connection()
    params = {"external_id": external_id, "message_id": message_id, "provider": provider}
    return conn.execute(_link(conn.dialect.name), params).scalar() is not None


def show_in_latest_conversation(
    session: Session, *, contact_id: uuid.UUID, text: str, sent_at: datetime, is_outbound: bool
) -> uuid.UUID:
    """Make the message the newest of the contact's latest conversation (created when none); its id."""
    conn = session.connection()
    conversation_id: uuid.UUID | None = conn.scalar(_LATEST_CONVERSATION, {"contact_id": contact_id})
    latest = {
        "last_message_at": sent_at,
        "last_message_preview": preview(text),
        "last_message_is_outbound": is_outbound,
        "updated_at": sent_at,
    }
    if conversation_id is None:
        conversation_id = uuid.uuid4()
        conn.execute(
            _INSERT_CONVERSATION, {"id": conversation_id, "contact_id": contact_id, "created_at": sent_at, **latest}
        )
    else:
        conn.execute(_TOUCH_CONVERSATION, {"conversation_id": conversation_id, **latest})
    return conversation_id


def refresh_previews(session: Session, *, contact_ids: Collection[uuid.UUID]) -> None:
    """Show each conversation of these contacts its newest message that is not deleted (marked unread if inbound)."""
    for conv in session.scalars(select(Conversation).where(Conversation.contact_id.in_(list(contact_ids)))):
        last = session.execute(
            select(Message.message_text, Message.sent_at, Message.is_outbound)
            .where(Message.conversation_id == conv.id, Message.message_type != "deleted")
            .order_by(Message.sent_at.desc())
            .limit(1)
        ).first()
        if last is not None:
            conv.last_message_preview = preview(last[0])
            conv.last_message_at = last[1]
            conv.last_message_is_outbound = last[2]
            if not last[2]:
                conv.is_read = False
    session.flush()


def refresh_contacts(session: Session, *, contact_ids: Collection[uuid.UUID]) -> None:
    """After messages were written one by one: recount the contacts, refresh their previews, rescore them."""
    if not contact_ids:
        return
    ids = list(contact_ids)
    recount(session, contact_ids=ids)
    refresh_previews(session, contact_ids=ids)
    from everreach.relationship import service  # the engine reads messages: it sits above the writer

    for contact_id in ids:
        service.recompute_contact(session, contact_id=contact_id)
