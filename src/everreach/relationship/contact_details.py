"""What the user keeps about a contact by hand: tags, free notes and a keep-in-touch interval.

The seed's contact table has no column for the interval, so it is stored as a `keep_in_touch` row in
relationship_events (the newest one wins; days in its metadata, none to clear it; records.py reads it). Setting
it rescores the contact, so the seed column `next_planned_touch` (last meaningful touch plus the interval) is
the model's.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from everreach.contacts.lookup import get_contact
from everreach.db.models import Contact, RelationshipEvent
from everreach.errors import ValidationError
from everreach.relationship import clock
from everreach.relationship.records import KEEP_IN_TOUCH

MAX_TAGS = 30
MAX_TAG_LENGTH = 40
MAX_INTERVAL_DAYS = 3650


def parse_tags(text: str) -> list[str]:
    """Tags from a comma-separated line: trimmed, lowercased, duplicates dropped, order kept."""
    tags: list[str] = []
    for raw in text.split(","):
        tag = " ".join(raw.split()).lower()
        if not tag or tag in tags:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise ValidationError(f"a tag is at most {MAX_TAG_LENGTH} characters: {tag[:20]!r}… is longer")
        tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ValidationError(f"at most {MAX_TAGS} tags per contact, not {len(tags)}")
    return tags


def update_tags_and_notes(session: Session, *, username: str, tags: str, notes: str) -> Contact:
    """Replace the contact's tags (comma-separated) and free notes; empty clears them."""
    contact = get_contact(session, username=username)
    contact.tags = parse_tags(tags)
    contact.notes = notes.strip() or None
    contact.updated_at = clock.utcnow()
    session.flush()
    return contact


def keep_in_touch_days(session: Session, *, contact_id: uuid.UUID) -> int | None:
    """The interval the user set for the contact, in days, or None when they set none."""
    from everreach.relationship.records import load_records

    found = load_records(session, [contact_id]).get(contact_id)
    days = found.keep_in_touch_days if found is not None else None
    return int(days) if days else None


def set_keep_in_touch(
    session: Session, *, username: str, days: int | None, now: datetime | None = None
) -> datetime | None:
    """Set (or clear, with None) how often to be in touch; rescores the contact and returns the next planned
    touch the model now keeps (last meaningful touch + the interval, or + their usual gap once cleared)."""
    from everreach.relationship.recompute import recompute

    if days is not None and not 1 <= days <= MAX_INTERVAL_DAYS:
        raise ValidationError(f"keep in touch every 1 to {MAX_INTERVAL_DAYS} days, not {days}")
    now = now or clock.utcnow()
    contact = get_contact(session, username=username)
    detail = f"every {days} days" if days else "cleared"
    session.add(
        RelationshipEvent(
            contact_id=contact.id, kind=KEEP_IN_TOUCH, detail=detail, metadata_={"days": days}, occurred_at=now
        )
    )
    session.flush()
    recompute(session, ids=[contact.id], now=now, scan=False)
    session.refresh(contact)
    return contact.next_planned_touch
