"""Recording a delivered automated message: the outbound message row and the counters it moves.

Automated sends never touch `last_meaningful_touch` (DESIGN.md §3): only people's messages are touches.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from everreach.contacts.counters import add_sent
from everreach.messages.writer.one import link_external_id, show_in_latest_conversation, write_message


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
    conversation_id = show_in_latest_conversation(
        session, contact_id=contact_id, text=text, sent_at=sent_at, is_outbound=True
    )
    message_id = write_message(
        session,
        contact_id=contact_id,
        conversation_id=conversation_id,
        text=text,
        message_type="text",
        is_outbound=True,
        sent_by_automation=True,
        sent_at=sent_at,
        raw_data={"source": "outreach", "queue_id": queue_id.hex, "sender": sender, "external_id": external_id},
        created_at=sent_at,
    )
    assert message_id is not None
    if external_id:
        # The webhook later echoes our own message with this id; knowing it keeps the message stored once.
        provider = "instagram" if sender == "graph" else sender
        link_external_id(session, external_id=external_id, message_id=message_id, provider=provider)
    add_sent(session.connection(), contact_id=contact_id, at=sent_at)
    return message_id
