"""The API load benchmark's database: contacts with varied scores, stages and touches, and their messages.

Bulk inserted, then settled the way a database that has lived a while is: PostgreSQL vacuumed, analysed and
checkpointed, SQLite analysed and its WAL folded back, so no autovacuum pass or checkpoint of the load's pages
can land inside the measured minute. (Measured: they were not what made the earlier 457 ms PostgreSQL p99; in
180 s of contact-detail requests at 50/s right after an unsettled load none ran, and the p99 of each 10 s
swung between 62 and 870 ms with the machine's load.)

Every message has its own time (an export never has thousands at the same instant: when it did here, a
newest-first search had to sort every tie), and texts come from everyday phrases, so a search term can be
common, rare or absent.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, text

from everreach.db.models import Contact, Message
from everreach.ingest.synthetic_phrases import SLOTS
from everreach.relationship.rules.stages import STAGES

SEED = 7
MESSAGES_PER_CONTACT = (1, 4)
_FRAMES = (
    "hey {name}, how is {topic} going?",
    "thanks so much for {resource}!",
    "i just looked at {thing}, it reads really well",
    "honestly i'm {feeling} about {topic}",
    "{update} 🎉",
    "could you send me {resource}? i'm working on {project}",
    "do you know anyone good at {skill}?",
    "we should talk about {service} next week",
)


def _text(rng: random.Random) -> str:
    frame = rng.choice(_FRAMES)
    slots = {k: rng.choice(v) for k, v in SLOTS.items()}
    return frame.format(**slots)


def populate(eng: Engine, *, contacts: int) -> list[str]:
    """Bulk-insert `contacts` contacts (1% flagged spam) with 1-4 messages each; returns the usernames."""
    rng = random.Random(SEED)
    now = datetime.now(UTC)
    usernames = [f"loaduser{i:06d}" for i in range(contacts)]
    contact_rows = []
    message_rows = []
    for name in usernames:
        contact_id = uuid.uuid4()
        touched = now - timedelta(seconds=rng.uniform(0, 120 * 86400)) if rng.random() < 0.9 else None
        contact_rows.append(
            {
                "id": contact_id,
                "instagram_username": name,
                "display_name": name.title(),
                "relationship_score": rng.randint(0, 100),
                "relationship_stage": rng.choice(STAGES[:6]),
                "last_meaningful_touch": touched,
                "tags": ["spam"] if rng.random() < 0.01 else [],
                "what_theyre_building": rng.choice(SLOTS["project"]) if rng.random() < 0.3 else None,
                "trust_signals": [],
                "fit_signals": [],
                "value_delivered_log": [],
            }
        )
        last = touched or now - timedelta(seconds=rng.uniform(0, 365 * 86400))
        for k in range(rng.randint(*MESSAGES_PER_CONTACT)):
            message_rows.append(
                {
                    "id": uuid.uuid4(),
                    "contact_id": contact_id,
                    "message_text": _text(rng),
                    "is_outbound": k % 2 == 0,
                    "sent_by_automation": False,
                    "sent_at": last - timedelta(seconds=rng.uniform(0, 3 * 86400) * k),
                }
            )
    with eng.begin() as conn:
        for start in range(0, len(contact_rows), 5_000):
            conn.execute(insert(Contact), contact_rows[start : start + 5_000])
        for start in range(0, len(message_rows), 5_000):
            conn.execute(insert(Message), message_rows[start : start + 5_000])
    settle(eng)
    return usernames


def settle(eng: Engine) -> None:
    """Vacuum/analyse and checkpoint after the bulk load, so the measurement does not pay for the load."""
    if eng.dialect.name == "postgresql":
        with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
            conn.execute(text("CHECKPOINT"))
    else:
        with eng.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
