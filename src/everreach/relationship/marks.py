"""contacts_to_rescore and recompute_marks, their owner: which contacts changed since the last full recompute.

Triggers (migration 0007) mark a contact in contacts_to_rescore when it is created or one of its messages is
added, changed or deleted, whoever the writer was; recompute takes the marks it acts on (`claim_marked`).
recompute_marks holds the instant of the last full recompute and a fingerprint of the rules it ran
(`rules_fingerprint`: new rules, everyone again). `rebuild()` marks every contact, so the next recompute
reads every contact's features.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import inspect
import uuid
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Connection, delete, insert, select, true
from sqlalchemy.dialects import postgresql, sqlite

from everreach.db.models import Contact
from everreach.db.models_derived import ContactToRescore, RecomputeMark

#: recompute_marks row of the last full recompute.
FULL = "full"


@lru_cache
def rules_fingerprint() -> str:
    """A digest of the code that turns stored features and records into stored standings."""
    from everreach.relationship import records, standings, summaries, writeback
    from everreach.relationship.rules import assess as assess_module
    from everreach.relationship.rules import cadence as cadence_module
    from everreach.relationship.rules import (
        components,
        decay,
        evidence,
        lanes,
        numbers,
        resonance,
        stages,
    )

    digest = hashlib.sha256()
    modules = (records, standings, summaries, writeback, assess_module, cadence_module, components, decay, evidence,
               lanes, numbers, resonance, stages)  # fmt: skip
    for module in modules:
        try:
            digest.update(inspect.getsource(module).encode())
        except OSError:  # installed without sources: the release stands for its rules
            digest.update(importlib.metadata.version("everreach").encode())
    return digest.hexdigest()[:16]


def claim_marked(conn: Connection) -> set[uuid.UUID]:
    """Take every marked contact (the marks go, or come back, with this transaction).

    A mark made by a transaction this one cannot see yet is left for the next recompute.
    """
    stmt = delete(ContactToRescore).returning(ContactToRescore.contact_id)
    return set(conn.execute(stmt).scalars())


def mark(conn: Connection, ids: Iterable[uuid.UUID]) -> None:
    """Mark these contacts: the next recompute must read their features again."""
    rows = [{"contact_id": cid} for cid in ids]
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(ContactToRescore).on_conflict_do_nothing(), rows)


def rebuild(conn: Connection) -> None:
    """Mark every contact and forget the last full recompute: the next one reads everyone."""
    conn.execute(delete(RecomputeMark).where(RecomputeMark.name == FULL))
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    # WHERE true: SQLite needs it to read ON CONFLICT after INSERT ... SELECT.
    stmt = dialect.insert(ContactToRescore).from_select(["contact_id"], select(Contact.id).where(true()))
    conn.execute(stmt.on_conflict_do_nothing())


def last_full(conn: Connection) -> datetime | None:
    """The instant of the last full recompute, when it ran with today's rules."""
    row = conn.execute(select(RecomputeMark.computed_at, RecomputeMark.rules).where(RecomputeMark.name == FULL)).first()
    if row is None or row.rules != rules_fingerprint():
        return None
    computed_at: datetime = row.computed_at
    return computed_at


def record_full(conn: Connection, *, now: datetime) -> None:
    """Every contact's stored standing now holds at `now`, by today's rules."""
    conn.execute(delete(RecomputeMark).where(RecomputeMark.name == FULL))
    conn.execute(insert(RecomputeMark).values(name=FULL, computed_at=now, rules=rules_fingerprint()))
