"""The one message writer: both lanes store the same preview; the single lane dedupes on request."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from everreach.db.models import Conversation, Message
from everreach.messages.writer import PREVIEW_CHARS, link_external_id, preview, write_message
from everreach.messages.writer.one import show_in_latest_conversation
from everreach.messages.writer.rows import ContactState, ConversationState, prepare_rows
from everreach.outreach.record import record_sent_message
from tests.relationship.factories import contact

AT = datetime(2024, 5, 1, 12, tzinfo=UTC)


def test_one_preview_length_for_every_lane(session: Session) -> None:
    text = "y" * (PREVIEW_CHARS + 50)
    c = contact(session, username="long")
    record_sent_message(session, contact_id=c.id, text=text, sent_at=AT, queue_id=uuid.uuid4(), sender="dry_run")
    sent_preview = session.scalar(select(Conversation.last_message_preview).where(Conversation.contact_id == c.id))

    class Msg:
        timestamp_ms, text, message_type, raw = 1_700_000_000_000, "y" * (PREVIEW_CHARS + 50), "text", None

    thread = prepare_rows(ContactState("c", None, None), ConversationState("v", None), [Msg()], [True], sqlite=True)
    assert thread.last_preview is not None
    assert sent_preview == thread.last_preview[1] == preview(text) == "y" * PREVIEW_CHARS


def test_if_new_skips_the_same_text_at_the_same_instant(session: Session) -> None:
    c = contact(session, username="twice")
    conv = show_in_latest_conversation(session, contact_id=c.id, text="hi", sent_at=AT, is_outbound=False)
    fields = {
        "contact_id": c.id, "conversation_id": conv, "text": "hi", "message_type": "text", "is_outbound": False,
        "sent_by_automation": False, "sent_at": AT, "raw_data": {"source": "test"},
    }  # fmt: skip
    first = write_message(session, **fields, if_new=True)  # type: ignore[arg-type]
    assert first is not None
    assert write_message(session, **fields, if_new=True) is None  # type: ignore[arg-type]
    assert session.scalar(select(Message.id).where(Message.contact_id == c.id)) == first
    assert link_external_id(session, external_id="mid.1", message_id=first, provider="instagram") is True
    assert link_external_id(session, external_id="mid.1", message_id=first, provider="instagram") is False
