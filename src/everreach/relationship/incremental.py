"""Which contacts a full recompute must re-read messages for; the others' message facts still hold.

An ordinary contact's message facts (last meaningful touch, totals, resonance) are a function of its messages
and of the 90-day window ending at `now`, nothing else. So after a full recompute at instant P, the facts
stored for an ordinary contact still hold at instant N unless

- the contact is new, or one of its messages was added, changed or deleted: triggers mark it in
  contacts_to_rescore (migration 0007), whoever the writer was;
- one of its messages lies where the windows ending at P and at N differ: found through idx_messages_sent;
- it was recomputed alone since P (its facts are then as of that other instant): recompute marks it too;
- or the rules changed: recompute_marks keeps a fingerprint of the modules that compute the facts.

`plan` returns those contacts, or None when a pass over every message is due (no mark yet, other rules, or
so many contacts that one pass is cheaper). Recency, the one part that moves with time alone, is worked out
from the stored last touch for every contact in any case (bulk.rescore_ordinary).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import inspect
import uuid
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Connection, delete, insert, select, union
from sqlalchemy.dialects import postgresql, sqlite

from everreach.db.models import ContactToRescore, Message, RecomputeMark
from everreach.relationship.textfeatures import RESONANCE_WINDOW

#: recompute_marks row of the last full recompute.
FULL = "full"
#: Above this share of all contacts, one pass over every message costs less than reading theirs by contact.
MAX_SHARE = 0.25


@lru_cache
def rules_fingerprint() -> str:
    """A digest of the code that turns messages into stored facts and scores: new rules, new facts."""
    from everreach.relationship import bulk, facts, message_facts, scoring, textfeatures, touch

    digest = hashlib.sha256()
    for module in (bulk, facts, message_facts, scoring, textfeatures, touch):
        try:
            digest.update(inspect.getsource(module).encode())
        except OSError:  # installed without sources: the release stands for its rules
            digest.update(importlib.metadata.version("everreach").encode())
    return digest.hexdigest()[:16]


def claim_marked(conn: Connection) -> set[uuid.UUID]:
    """Take every contact marked in contacts_to_rescore (the marks go, or come back, with this transaction).

    A mark made by a transaction this one cannot see yet is left for the next recompute.
    """
    stmt = delete(ContactToRescore).returning(ContactToRescore.contact_id)
    return set(conn.execute(stmt).scalars())


def mark(conn: Connection, ids: Iterable[uuid.UUID]) -> None:
    """Mark contacts whose stored message facts no longer match the last full recompute's instant."""
    rows = [{"contact_id": cid} for cid in ids]
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(ContactToRescore).on_conflict_do_nothing(), rows)


def last_full(conn: Connection) -> datetime | None:
    """The instant of the last full recompute, when it ran with today's rules."""
    row = conn.execute(select(RecomputeMark.computed_at, RecomputeMark.rules).where(RecomputeMark.name == FULL)).first()
    if row is None or row.rules != rules_fingerprint():
        return None
    computed_at: datetime = row.computed_at
    return computed_at


def record_full(conn: Connection, *, now: datetime) -> None:
    """Every contact's stored facts now hold at `now`, by today's rules."""
    conn.execute(delete(RecomputeMark).where(RecomputeMark.name == FULL))
    conn.execute(insert(RecomputeMark).values(name=FULL, computed_at=now, rules=rules_fingerprint()))


def window_movers(conn: Connection, *, before: datetime, now: datetime) -> set[uuid.UUID]:
    """Contacts with a message inside one of the 90-day windows ending at `before` and `now` but not the other.

    Both edges move by the same span, so these messages lie within that span of either window start or of
    either end (bounds taken inclusively: a contact too many is only read again).
    """
    if before == now:
        return set()
    low, high = min(before, now), max(before, now)
    ranges = [(low - RESONANCE_WINDOW, high - RESONANCE_WINDOW), (low, high)]
    stmt = union(*(select(Message.contact_id).where(Message.sent_at.between(a, b)) for a, b in ranges))
    return {cid for cid in conn.execute(stmt).scalars() if cid is not None}


def plan(conn: Connection, *, now: datetime, marked: set[uuid.UUID], contacts: int) -> set[uuid.UUID] | None:
    """The contacts (of `contacts` in all) to re-read messages for at `now`, or None for one pass over every
    message."""
    before = last_full(conn)
    if before is None:
        return None
    if len(marked) > MAX_SHARE * contacts:
        return None
    reread = marked | window_movers(conn, before=before, now=now)
    return None if len(reread) > MAX_SHARE * contacts else reread
