"""contacts_to_rescore: a change of message_type marks the contact on both engines (fixed in migration 0008)."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from everreach.db.models import Message
from everreach.db.models_derived import ContactToRescore
from tests.messages.factories import contact, message


def test_a_message_type_change_marks_its_contact_for_rescoring(session: Session) -> None:
    ann = contact(session, username="ann")
    msg = message(session, contact=ann, text="see you friday", days_ago=2)
    session.execute(delete(ContactToRescore))
    assert session.scalars(select(ContactToRescore.contact_id)).all() == []
    session.execute(update(Message).where(Message.id == msg.id).values(message_type="unsent"))
    assert session.scalars(select(ContactToRescore.contact_id)).all() == [ann.id]
