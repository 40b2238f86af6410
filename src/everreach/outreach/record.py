"""Recording a delivered automated message: the outbound message row and the counters it moves.

Automated sends never touch `last_meaningful_touch` (DESIGN.md §3): only people's messages are touches.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from everreach.db.models import Contact, Conversation, Message, MessageExternalId

PREVIEW_CHARS = 100

# Core statements built once, run on the session's connection (not the unit of work): this runs inside
# every send's outcome transaction. Parameters take the columns' types (UTC timestamps, JSON, UUIDs).
_LATEST_CONVERSATION = (
    select(Conversation.id)
    .where(Conversation.contact_id == bindparam("contact_id"))
    .order_by(Conversation.last_message_at.desc().nulls_last(), Conversation.created_at.desc())
    .limit(1)
)
_INSERT_CONVERSATION = insert(Conversation)
_TOUCH_CONVERSATION = update(Conversation).where(Conversation.id == bindparam("conversation_id"))
_INSERT_MESSAGE = insert(Message)
_INSERT_EXTERNAL_ID = insert(MessageExternalId)
_KNOWN_EXTERNAL_ID = select(MessageExternalId.external_id).where(MessageExternalId.external_id == bindparam("eid"))
_COUNT_SENT = (
    update(Contact)
    .where(Contact.id == bindparam("cid"))
    .values(total_messages_sent=func.coalesce(Contact.total_messages_sent, 0) + 1)
)


def record_sent_message(
    session: Session,
    *,
    contact_id: uuid.UUID,
    text: str,
    sent_at: datetime,
    queue_id: uuid.UUID,
    sender: str,
    external_id: str | None = None,
) -> uuid.UUID:
    """Insert the outbound message (`sent_by_automation`), update the conversation and contact counters; its id."""
    conn = session.connection()
    conversation_id = conn.scalar(_LATEST_CONVERSATION, {"contact_id": contact_id})
    latest = {
        "last_message_at": sent_at,
        "last_message_preview": text[:PREVIEW_CHARS],
        "last_message_is_outbound": True,
        "updated_at": sent_at,
    }
    if conversation_id is None:
        conversation_id = uuid.uuid4()
        row = {"id": conversation_id, "contact_id": contact_id, "created_at": sent_at, **latest}
        conn.execute(_INSERT_CONVERSATION, row)
    else:
        conn.execute(_TOUCH_CONVERSATION, {"conversation_id": conversation_id, **latest})
    message_id = uuid.uuid4()
    conn.execute(
        _INSERT_MESSAGE,
        {
            "id": message_id,
            "conversation_id": conversation_id,
            "contact_id": contact_id,
            "message_text": text,
            "message_type": "text",
            "is_outbound": True,
            "sent_by_automation": True,
            "sent_at": sent_at,
            "raw_data": {"source": "outreach", "queue_id": queue_id.hex, "sender": sender, "external_id": external_id},
            "created_at": sent_at,
        },
    )
    if external_id and conn.scalar(_KNOWN_EXTERNAL_ID, {"eid": external_id}) is None:
        # The webhook later echoes our own message with this id; knowing it keeps the message stored once.
        provider = "instagram" if sender == "graph" else sender
        conn.execute(_INSERT_EXTERNAL_ID, {"external_id": external_id, "message_id": message_id, "provider": provider})
    conn.execute(_COUNT_SENT, {"cid": contact_id, "updated_at": sent_at})
    return message_id
