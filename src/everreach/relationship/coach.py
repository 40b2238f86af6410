"""The coach of one thread: feedback on the owner's own messages (rules/coach.py), each note with its messages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from everreach.relationship import clock
from everreach.relationship.contact_view import load_contact
from everreach.relationship.rules.assess import standing
from everreach.relationship.rules.coach import RULES, coach
from everreach.relationship.schemas import CoachNoteRead, CoachReport, MessageRef

#: Each rule as a person reads its name.
TITLES = {
    "pitching_before_consent": "Pitching before they said yes",
    "three_to_one": "Three helpful things for every pitch",
    "double_texting": "Writing again into silence",
    "questions_vs_statements": "Asking about them",
    "slow_replies": "Answering their questions",
    "promises_left_open": "Promises left open",
}
assert set(TITLES) == {rule.__name__ for rule in RULES}


def coach_notes(session: Session, *, username: str, now: datetime | None = None) -> CoachReport:
    """Every coach note of the thread with this contact, in rule order, each with the messages it points at."""
    now = now or clock.utcnow()
    contact, messages, records = load_contact(session, username=username)
    s = standing(messages, records, now=now)
    by_id = {m.id: m for m in messages}
    notes = []
    for note in coach(messages, records, s.evidence, s.outcomes, now=now):
        shown = [by_id[i] for i in note.message_ids if i in by_id]
        notes.append(
            CoachNoteRead(
                rule=note.rule,
                title=TITLES[note.rule],
                sentence=note.sentence,
                messages=[MessageRef(sent_at=m.sent_at, outbound=m.is_outbound, excerpt=m.excerpt) for m in shown],
            )
        )
    mine = sum(1 for m in messages if m.owner_written and m.touch)
    return CoachReport(
        username=contact.instagram_username,
        display_name=contact.display_name,
        your_messages=mine,
        notes=notes,
    )
