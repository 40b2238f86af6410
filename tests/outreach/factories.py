"""Small keyword-only factories and a hand-moved clock for the outreach tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from everreach.db.models import Contact, ContactIdentity, Message

T0 = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)  # a Monday, 10:00 UTC


class Clock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def make_contact(
    session: Session,
    *,
    username: str,
    tags: list[str] | None = None,
    igsid: str | None = None,
    inbound_at: datetime | None = None,
    last_touch: datetime | None = None,
) -> Contact:
    """A contact, optionally with an Instagram-scoped id and one inbound message."""
    contact = Contact(id=uuid.uuid4(), instagram_username=username, tags=tags, last_meaningful_touch=last_touch)
    session.add(contact)
    session.flush()
    if igsid:
        session.add(ContactIdentity(id=uuid.uuid4(), contact_id=contact.id, provider="instagram", external_id=igsid))
    if inbound_at:
        session.add(
            Message(
                id=uuid.uuid4(),
                contact_id=contact.id,
                message_text="hey, how is the launch going?",
                is_outbound=False,
                sent_at=inbound_at,
            )
        )
    session.flush()
    return contact


def open_pacing(**extra: object) -> dict[str, object]:
    """Settings with pacing out of the way (tests of one rule turn that rule back on)."""
    values: dict[str, object] = {
        "hourly_cap": 1_000_000,
        "daily_cap": 1_000_000,
        "min_gap_seconds": 0,
        "max_gap_seconds": 0,
        "active_hours_start": "00:00",
        "active_hours_end": "00:00",
        "contact_cooldown_hours": 0,
    }
    values.update(extra)
    return values
