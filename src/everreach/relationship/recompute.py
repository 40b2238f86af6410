"""Recompute stored components, scores, stages and fit-signal summaries, set-based.

Facts come from a fixed handful of queries (`facts.gather`), the rules run in Python over the rows, and only
contacts whose stored values changed are written back, in bulk. Stage changes go to `stage_history`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Text, cast, delete, distinct, func, insert, select, update
from sqlalchemy.orm import Session

from everreach.db.models import Contact, FitSignal, FitSignalMatch, FitSignalScan, OfferReadyContact, StageChange
from everreach.relationship import incremental, ranks, scoring, stages
from everreach.relationship.bulk import rescore_ordinary, score_ordinary, special_ids_stmt
from everreach.relationship.facts import ContactState, gather
from everreach.relationship.fitscan import detect_fit_signals
from everreach.relationship.schemas import RecomputeReport
from everreach.relationship.textfeatures import epoch_seconds, floor_int

BATCH = 2000
#: fit_signal_scans row holding the matches' fingerprint as of the last summary sync of every contact.
SUMMARIES = "summaries"
STORED = ("resonance", "need_clarity", "value_delivered", "reliability", "consent_level")
COLUMN = {
    "resonance": "resonance_score",
    "need_clarity": "need_clarity_score",
    "value_delivered": "value_delivered_score",
    "reliability": "reliability_score",
    "consent_level": "consent_level",
}


def utcnow() -> datetime:
    """The current time, aware UTC."""
    return datetime.now(UTC)


def fit_summaries(session: Session, *, ids: Sequence[uuid.UUID] | None = None) -> dict[uuid.UUID, list[Any]]:
    """contact id -> [{product, signal_key, matches, days, last_matched_on}] (the contact's fit_signals JSON)."""
    day = floor_int(epoch_seconds(FitSignalMatch.matched_on) / 86400.0)
    stmt = (
        select(
            FitSignalMatch.contact_id,
            FitSignal.product,
            FitSignal.signal_key,
            func.count(),
            func.count(distinct(day)),
            func.max(FitSignalMatch.matched_on),
        )
        .join(FitSignal, FitSignal.id == FitSignalMatch.fit_signal_id)
        .group_by(FitSignalMatch.contact_id, FitSignal.product, FitSignal.signal_key)
        .order_by(FitSignalMatch.contact_id, FitSignal.product, FitSignal.signal_key)
    )
    if ids is not None:
        stmt = stmt.where(FitSignalMatch.contact_id.in_(list(ids)))
    out: dict[uuid.UUID, list[Any]] = {}
    for cid, product, key, n, days, last in session.execute(stmt):
        out.setdefault(cid, []).append(
            {
                "product": product,
                "signal_key": key,
                "matches": int(n),
                "days": int(days),
                "last_matched_on": last.isoformat() if last else None,
            }
        )
    return out


def _changes(state: ContactState, now: datetime, summary: list[Any]) -> tuple[dict[str, Any] | None, list[Any], bool]:
    """The contact's new row (None when nothing changed), its stage steps, and whether it is offer-ready."""
    comps = scoring.fast_components(state.facts, now=now)
    steps = [] if state.pinned else stages.advance(state.stage, state.facts, comps)
    values = comps.values()
    m = state.facts.messages
    new_stage = steps[-1][0] if steps else state.stage or "first_touch"
    ready = stages.offer_ready(new_stage, values["consent_level"], state.facts)
    row: dict[str, Any] = {COLUMN[name]: values[name] for name in STORED}
    row.update(
        relationship_score=comps.score,
        relationship_stage=new_stage,
        last_meaningful_touch=m.last_meaningful_touch,
        total_messages_sent=m.total_sent,
        total_messages_received=m.total_received,
        fit_signals=summary,
    )
    current: dict[str, Any] = {COLUMN[name]: state.stored[name] for name in STORED}
    current.update(
        relationship_score=state.score,
        relationship_stage=state.stage,
        last_meaningful_touch=state.last_touch,
        total_messages_sent=state.totals[0],
        total_messages_received=state.totals[1],
        fit_signals=state.fit_summary or [],
    )
    history = []
    previous = state.stage
    for stage, reason in steps:
        history.append(
            {
                "id": uuid.uuid4(),
                "contact_id": state.id,
                "from_stage": previous,
                "to_stage": stage,
                "reason": reason,
                "source": "auto",
                "changed_at": now,
            }
        )
        previous = stage
    if row == current:
        return None, history, ready
    row["id"] = state.id
    row["updated_at"] = now
    return row, history, ready


def _sync_offer_ready(
    session: Session, ready: set[uuid.UUID], *, ids: Sequence[uuid.UUID] | None, now: datetime
) -> None:
    """Make offer_ready_contacts hold exactly `ready` among the recomputed contacts (all when `ids` is None)."""
    column = OfferReadyContact.contact_id
    stmt = select(column)
    if ids is not None:
        stmt = stmt.where(column.in_(list(ids)))
    marked = set(session.scalars(stmt))
    gone = list(marked - ready)
    for start in range(0, len(gone), BATCH):
        chunk = delete(OfferReadyContact).where(column.in_(gone[start : start + BATCH]))
        session.execute(chunk.execution_options(synchronize_session=False))
    new = [{"contact_id": cid, "marked_at": now} for cid in sorted(ready - marked)]
    if new:
        session.execute(insert(OfferReadyContact), new)


def _matches_fingerprint(session: Session) -> str:
    """Changes whenever a fit-signal match is added or deleted, or a signal renamed (summaries read only these)."""
    n, newest = session.execute(select(func.count(), func.max(FitSignalMatch.created_at))).one()
    signals = session.execute(select(FitSignal.id, FitSignal.product, FitSignal.signal_key).order_by(FitSignal.id))
    return f"{n}|{newest}|" + ",".join(f"{i}:{p}/{k}" for i, p, k in signals)


def _sync_fit_summaries(
    session: Session, summaries: dict[uuid.UUID, list[Any]], *, skip: set[uuid.UUID], now: datetime
) -> int:
    """Store each contact's fit-signal summary where it changed (contacts in `skip` are written elsewhere).

    Returns how many of those contacts had not been written already in this recompute (updated_at = now).
    """
    stored_stmt = select(Contact.id, Contact.fit_signals).where(
        Contact.fit_signals.is_not(None), cast(Contact.fit_signals, Text) != "[]"
    )
    stored = {cid: value for cid, value in session.connection().execute(stored_stmt) if value}
    rows = [
        {"id": cid, "fit_signals": summaries.get(cid, []), "updated_at": now}
        for cid in sorted((summaries.keys() | stored.keys()) - skip)
        if summaries.get(cid, []) != stored.get(cid, [])
    ]
    fresh = 0
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        ids = [row["id"] for row in chunk]
        written = select(func.count()).where(Contact.id.in_(ids), Contact.updated_at == now)
        fresh += len(ids) - int(session.connection().scalar(written) or 0)
        session.execute(update(Contact), chunk)
    return fresh


def recompute(
    session: Session,
    *,
    now: datetime | None = None,
    ids: Sequence[uuid.UUID] | None = None,
    scan: bool = True,
    bulk: bool = True,
    full: bool = False,
) -> RecomputeReport:
    """Recompute every contact (or those in `ids`); scan new inbound messages for fit signals first.

    For every contact (`ids` None) with `bulk`, the ordinary contacts are written in the database (see bulk.py)
    and only the others go through the Python rules; the messages read are only those of the contacts whose
    stored message facts may no longer hold (see incremental.py), or all of them with `full`. `bulk=False`
    sends every contact through Python (the reference the tests hold the SQL to).
    """
    now = now or utcnow()
    added = detect_fit_signals(session) if scan else 0
    reread: int | None = None
    if ids is None and bulk:
        session.flush()
        # Nearly every score is rewritten: contact_ranks is rebuilt once at the end instead of row by row.
        with ranks.paused(session.connection()):
            contacts, written, reread, states, summaries = _gather_all(session, now=now, full=full)
            updated, changes = _apply_rules(session, states, summaries, ids=None, now=now)
            incremental.record_full(session.connection(), now=now)
    else:
        conn = session.connection()
        if ids is None:
            incremental.claim_marked(conn)
        states = gather(session, now=now, ids=ids)
        contacts, written = len(states), 0
        updated, changes = _apply_rules(session, states, fit_summaries(session, ids=ids), ids=ids, now=now)
        if ids is None:
            incremental.record_full(conn, now=now)
        else:  # their facts are now as of `now`, not as of the last full recompute: read them again then
            incremental.mark(conn, ids)
    return RecomputeReport(
        contacts=contacts,
        updated=written + updated,
        stage_changes=changes,
        new_fit_matches=added,
        reread_contacts=reread,
    )


def _gather_all(
    session: Session, *, now: datetime, full: bool
) -> tuple[int, int, int | None, list[ContactState], dict[uuid.UUID, list[Any]]]:
    """Write the ordinary contacts in SQL; return (contacts, rows written, contacts whose messages were read
    again or None for all, the others' states, fit summaries)."""
    conn = session.connection()
    marked = incremental.claim_marked(conn)
    contacts = int(session.scalar(select(func.count()).select_from(Contact)) or 0)
    reread = None if full else incremental.plan(conn, now=now, marked=marked, contacts=contacts)
    special = list(conn.execute(special_ids_stmt()).scalars())  # scoring the ordinary ones leaves these alone
    if reread is None:
        written = score_ordinary(conn, now=now)
    else:
        written = rescore_ordinary(conn, now=now, reread=reread - set(special))
    session.expire_all()  # rows changed underneath any loaded Contact objects
    mark = _matches_fingerprint(session)
    synced = session.get(FitSignalScan, SUMMARIES)
    stale = synced is None or synced.fingerprint != mark
    summaries = fit_summaries(session) if stale else {}
    if stale:  # matches changed since every contact's summary was last written: bring them all up to date
        written += _sync_fit_summaries(session, summaries, skip=set(special), now=now)
        session.merge(FitSignalScan(name=SUMMARIES, fingerprint=mark))
    states: list[ContactState] = []
    for start in range(0, len(special), BATCH):
        chunk = special[start : start + BATCH]
        states += gather(session, now=now, ids=chunk)
        if not stale:
            summaries.update(fit_summaries(session, ids=chunk))
    return contacts, written, None if reread is None else len(reread), states, summaries


def _apply_rules(
    session: Session,
    states: list[ContactState],
    summaries: dict[uuid.UUID, list[Any]],
    *,
    ids: Sequence[uuid.UUID] | None,
    now: datetime,
) -> tuple[int, int]:
    """Run the Python rules over `states`, write what changed; return (rows updated, stage changes)."""
    updates: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    ready: set[uuid.UUID] = set()
    for state in states:
        row, steps, is_ready = _changes(state, now, summaries.get(state.id, []))
        if row is not None:
            updates.append(row)
        history.extend(steps)
        if is_ready:
            ready.add(state.id)
    _sync_offer_ready(session, ready, ids=ids, now=now)
    for start in range(0, len(updates), BATCH):
        session.execute(update(Contact), updates[start : start + BATCH])
    for start in range(0, len(history), BATCH):
        session.execute(insert(StageChange), history[start : start + BATCH])
    session.flush()
    return len(updates), len(history)
