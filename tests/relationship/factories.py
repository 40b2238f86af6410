"""Small keyword-only factories for relationship tests: contacts, and messages stored with their features.

`message` stores a message and its message_features row the way the writer does (the real classifier reads
it), or, given `intents` / `fits`, with exactly those intents and fit signals (text features still computed
from the text), so a test can pin what the rules see.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from everreach.db.models import Contact, Message
from everreach.db.models_v2 import MessageFeature
from everreach.messages.features import excerpt, is_meaningful, text_features
from everreach.messages.featurestore import messages_by_id, store_features
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
    session: Session, *, contact: Contact, text: str, days_ago: float, out: bool = False, auto: bool = False,
    intents: tuple[str, ...] | None = None, fits: tuple[str, ...] = (), message_type: str = "text",
    now: datetime = NOW,
) -> Message:  # fmt: skip
    """A message `days_ago` before `now` with its features (the classifier's, or exactly `intents`/`fits`)."""
    m = Message(
        id=uuid.uuid4(), contact_id=contact.id, message_text=text, is_outbound=out, sent_by_automation=auto,
        sent_at=now - timedelta(days=days_ago), message_type=message_type,
    )  # fmt: skip
    session.add(m)
    session.flush()
    if intents is None and not fits:
        store_features(session, messages_by_id(session, [m.id]))
        return m
    found = text_features([text])
    session.add(
        MessageFeature(
            message_id=m.id, contact_id=contact.id, sent_at=m.sent_at, is_outbound=out, automated=auto,
            meaningful=is_meaningful(filler=found.filler[0], automated=auto, message_type=message_type),
            length=found.length[0], question=found.question[0], self_disclosure=found.self_disclosure[0],
            emotion=found.emotion[0], intents=sorted(intents or ()), fit_signals=sorted(fits),
            excerpt=excerpt(text), model_key="test",
        )
    )  # fmt: skip
    session.flush()
    return m


def random_history(session: Session, *, contact: Contact, seed: int, count: int = 30) -> list[Message]:
    """A reproducible random message history over the last ~120 days (features from the real classifier)."""
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
            Message(
                id=uuid.uuid4(),
                contact_id=contact.id,
                message_text=text,
                is_outbound=rng.random() < 0.5,
                sent_by_automation=rng.random() < 0.2,
                sent_at=NOW - timedelta(days=days),
            )
        )
    session.add_all(rows)
    session.flush()
    store_features(session, messages_by_id(session, [m.id for m in rows]))
    return rows


COLUMNS = (
    "instagram_username", "relationship_score", "relationship_stage", "resonance_score", "need_clarity_score",
    "value_delivered_score", "reliability_score", "consent_level", "last_meaningful_touch", "next_planned_touch",
    "fit_signals",
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
            next_planned_touch=None, fit_signals=[],
        )
    )  # fmt: skip


def people_with_histories(session: Session, seed: int, count: int) -> None:
    """`count` contacts with random histories, one without messages, one with a context card."""
    seed_defaults(session)
    for i in range(count):
        c = contact(session, username=f"p{seed}_{i:02d}")
        random_history(session, contact=c, seed=seed * 100 + i, count=(seed + i) % 25)
    contact(session, username=f"p{seed}_silent")  # no messages at all
    special = contact(session, username=f"p{seed}_known", what_theyre_building="a course")
    random_history(session, contact=special, seed=seed, count=12)
    session.flush()
