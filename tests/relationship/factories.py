"""Small keyword-only factories for relationship tests."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from everreach.db.models import Contact, Message
from everreach.relationship.textfeatures import MessageRow
from everreach.seed.defaults import seed_defaults

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


COLUMNS = (
    "instagram_username", "relationship_score", "relationship_stage", "resonance_score", "need_clarity_score",
    "value_delivered_score", "reliability_score", "consent_level", "last_meaningful_touch", "total_messages_sent",
    "total_messages_received", "fit_signals",
)  # fmt: skip


def stored_rows(session: Session) -> list[tuple[Any, ...]]:
    """The stored columns recompute writes, per contact, by username."""
    cols = [getattr(Contact, name) for name in COLUMNS]
    return [tuple(r) for r in session.execute(select(*cols).order_by(Contact.instagram_username))]


def forget_scores(session: Session) -> None:
    """Stored values as an import leaves them, so the next recompute must write every row."""
    session.execute(
        update(Contact).values(
            relationship_score=50, relationship_stage=None, resonance_score=None, last_meaningful_touch=None,
            total_messages_sent=None, total_messages_received=None, fit_signals=[],
        )
    )  # fmt: skip


def people_with_histories(session: Session, seed: int, count: int) -> None:
    """`count` contacts with random histories, one without messages, one with a context card (a special one)."""
    seed_defaults(session)
    for i in range(count):
        c = contact(session, username=f"p{seed}_{i:02d}")
        random_history(session, contact=c, seed=seed * 100 + i, count=(seed + i) % 25)
    contact(session, username=f"p{seed}_silent")  # no messages at all
    special = contact(session, username=f"p{seed}_known", what_theyre_building="a course")
    random_history(session, contact=special, seed=seed, count=12)
    session.flush()
