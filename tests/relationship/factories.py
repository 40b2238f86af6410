"""Small keyword-only factories for relationship tests."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from everreach.db.models import Contact, Message
from everreach.relationship.textfeatures import MessageRow

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
POOL = [
    "ok",
    "lol",
    "🔥🔥🔥",
    "thanks!",
    "how's the launch going?",
    "honestly i always forget to follow up w people",
    "i'm so excited, we finally shipped our app!",
    "I keep forgetting to follow up",
    "idk what to post this week, any ideas?",
    "sounds good, talk soon",
    "my dms are a mess lol",
    "want me to send you that guide?",
    "we're stressed about pricing tbh",
    "Sure — I'll take a look tomorrow",
    "x" * 600,
]


def contact(session: Session, *, username: str, tags: list[str] | None = None, **fields: object) -> Contact:
    """A contact row, flushed."""
    c = Contact(instagram_username=username, display_name=username.title(), tags=tags, **fields)
    session.add(c)
    session.flush()
    return c


def message(
    session: Session, *, contact: Contact, text: str, days_ago: float, out: bool = False, auto: bool = False
) -> MessageRow:
    """A message row for the contact (and the same message as the Python reference sees it)."""
    sent = NOW - timedelta(days=days_ago)
    session.add(
        Message(contact_id=contact.id, message_text=text, is_outbound=out, sent_by_automation=auto, sent_at=sent)
    )
    return MessageRow(text=text, is_outbound=out, sent_at=sent, sent_by_automation=auto)


def random_history(session: Session, *, contact: Contact, seed: int, count: int = 30) -> list[MessageRow]:
    """A reproducible random message history over the last ~120 days."""
    rng = random.Random(seed)
    rows = []
    used: set[tuple[str, float]] = set()
    for _ in range(count):
        text = rng.choice(POOL)
        days = round(rng.uniform(0, 120), 3)
        if (text, days) in used:
            continue
        used.add((text, days))
        rows.append(
            message(session, contact=contact, text=text, days_ago=days, out=rng.random() < 0.5, auto=rng.random() < 0.2)
        )
    session.flush()
    return rows
