"""Recompute v2: every contact's standing from its stored message features and its records, written back.

`recompute(session)` runs every contact (`everreach score`, the import's rescore); `recompute(session,
ids=[...])` runs a few (a record logged, a message written one by one, an evidence item dismissed). Each
contact goes through the one set of rules (`rules.assess.standing`); only changed rows are written, each stage
change goes to stage_history with its reason, and the derived tables follow: offer_ready_contacts for the
contacts run, contact_ranks by its triggers (a full run pauses them and rebuilds it once at the end).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from everreach.db.models import Contact
from everreach.relationship import clock, marks, offer_ready, ranks
from everreach.relationship.fitscan import detect_fit_signals
from everreach.relationship.schemas import RecomputeReport
from everreach.relationship.standings import Assessed, every_standing, standings_of
from everreach.relationship.writeback import Writer, stored_rows


def _run(session: Session, assessed: Iterable[Assessed], writer: Writer, *, now: datetime,
         scope: Sequence[uuid.UUID] | None) -> int:  # fmt: skip
    """Write every standing; keep offer_ready_contacts for the scope; returns how many contacts were run."""
    ready: set[uuid.UUID] = set()
    count = 0
    for a in assessed:
        writer.add(a)
        count += 1
        if a.standing.lane.lane == offer_ready.OFFER:
            ready.add(a.contact_id)
    writer.flush()
    offer_ready.sync(session, ready, scope=scope, now=now)
    return count


def _recompute_some(session: Session, chosen: list[uuid.UUID], *, now: datetime) -> tuple[Writer, list[Assessed]]:
    """Recompute these contacts; the writer (what it wrote) and their standings."""
    writer = Writer(session, stored_rows(session, chosen), now=now)
    assessed = list(standings_of(session, chosen, now=now))
    _run(session, assessed, writer, now=now, scope=chosen)
    # Their stored standing is as of `now`, not of the last full recompute: the next one reads them again.
    marks.mark(session.connection(), chosen)
    return writer, assessed


def recompute_one(session: Session, contact_id: uuid.UUID, *, now: datetime | None = None) -> Assessed | None:
    """Recompute one contact, as `recompute(session, ids=[contact_id], scan=False)` does, and return its
    standing (None for an unknown id), for a caller that shows it next: no second read of its records."""
    session.flush()
    _, assessed = _recompute_some(session, [contact_id], now=now or clock.utcnow())
    session.expire_all()  # rows changed underneath any loaded Contact objects
    return assessed[0] if assessed else None


def recompute(
    session: Session, *, now: datetime | None = None, ids: Sequence[uuid.UUID] | None = None, scan: bool = True
) -> RecomputeReport:
    """Recompute every contact (or those in `ids`) at `now`; returns what changed.

    With `scan`, inbound messages not scanned yet are first matched against the fit signals (fitscan.py keeps
    fit_signal_matches, which the contact page lists).
    """
    now = now or clock.utcnow()
    added = detect_fit_signals(session) if scan else 0
    session.flush()
    conn = session.connection()
    if ids is not None:
        chosen = list(dict.fromkeys(ids))
        writer, assessed = _recompute_some(session, chosen, now=now)
        count = len(assessed)
    else:
        marks.claim_marked(conn)
        writer = Writer(session, stored_rows(session, None), now=now)
        with ranks.paused(conn):  # nearly every score is rewritten: one rebuild instead of a trigger per row
            count = _run(session, every_standing(session, now=now), writer, now=now, scope=None)
        marks.record_full(conn, now=now)
        if conn.dialect.name == "postgresql" and writer.updated:
            # Every score may have moved: the listings' plans need today's statistics, not the import's.
            conn.exec_driver_sql("ANALYZE instagram_contacts, contact_ranks")
    session.expire_all()  # rows changed underneath any loaded Contact objects
    return RecomputeReport(
        contacts=count if ids is not None else _contacts(session),
        updated=writer.updated,
        stage_changes=writer.stage_changes,
        assessed=count,
        new_fit_matches=added,
    )


def _contacts(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Contact)) or 0)
