"""Recording a delivered automated message: the outbound message row and the counters it moves.

Automated sends never touch `last_meaningful_touch` (DESIGN.md §3): only people's messages are touches.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from everreach.db.models import Contact, Conversation, Message, MessageExternalId

PREVIEW_CHARS = 100


def record_sent_message(
    session: Session,
    *,
    contact_id: uuid.UUID,
    text: str,
    sent_at: datetime,
    queue_id: uuid.UUID,
    sender: str,
    external_id: str | None = None,
) -> Message:
    """Insert the outbound message (`sent_by_automation`) and update the conversation and contact counters."""
    conversation = session.scalars(
        select(Conversation)
        .where(Conversation.contact_id == contact_id)
        .order_by(Conversation.last_message_at.desc().nulls_last(), Conversation.created_at.desc())
        .limit(1)
    ).first()
    if conversation is None:
        conversation = Conversation(id=uuid.uuid4(), contact_id=contact_id, created_at=sent_at)
        session.add(conversation)
    conversation.last_message_at = sent_at
    conversation.last_message_preview = text[:PREVIEW_CHARS]
    conversation.last_message_is_outbound = True
    conversation.updated_at = sent_at
    message = Message(
        id=uuid.uuid4(),
        conversation_id=conversation.id,
        contact_id=contact_id,
        message_text=text,
        message_type="text",
        is_outbound=True,
        sent_by_automation=True,
        sent_at=sent_at,
        raw_data={"source": "outreach", "queue_id": queue_id.hex, "sender": sender, "external_id": external_id},
        created_at=sent_at,
    )
    session.add(message)
    session.flush()
    if external_id and session.get(MessageExternalId, external_id) is None:
        # The webhook later echoes our own message with this id; knowing it keeps the message stored once.
        provider = "instagram" if sender == "graph" else sender
        session.add(MessageExternalId(external_id=external_id, message_id=message.id, provider=provider))
    session.execute(
        update(Contact)
        .where(Contact.id == contact_id)
        .values(total_messages_sent=func.coalesce(Contact.total_messages_sent, 0) + 1, updated_at=sent_at)
        .execution_options(synchronize_session=False)
    )
    return message
