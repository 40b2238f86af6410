"""Read-side queries of the relationship engine: listings, attention, the weekly tasks, history, fit signals.

Listings read the stored score, stage and lane that recompute keeps (the offer lane from offer_ready_contacts,
every other lane from the stored score and stage with the lane thresholds of `rules.lanes`). Attention reads
the stored next_planned_touch; the weekly tasks are tasks.py's (Core only), wrapped here in their schema.
One contact's health and next best actions are in contact_view.py (the rules run fresh for them).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, case, distinct, false, func, select, text, true
from sqlalchemy.orm import Session

from everreach.contacts.lookup import get_contact
from everreach.contacts.spam import is_spam
from everreach.db.models import (
    Contact,
    FitSignal,
    FitSignalMatch,
    Message,
    StageChange,
)
from everreach.messages.featurestore import facts_for_contacts
from everreach.relationship import clock, tasks
from everreach.relationship.contact_view import health, next_best_actions
from everreach.relationship.records import load_records
from everreach.relationship.rules.cadence import AttentionItem, attention_order, cadence
from everreach.relationship.rules.lanes import FRIENDSHIP_MIN, SERVICE_MIN
from everreach.relationship.rules.stages import STAGES
from everreach.relationship.schemas import (
    AttentionRow,
    FitMatchRow,
    FitSignalCount,
    StageChangeRow,
    WeeklyTasks,
)

__all__ = ["attention", "health", "next_best_actions", "weekly_tasks"]


def offer_ready_ids(session: Session) -> list[uuid.UUID]:
    """Contacts in the offer lane, as recompute last marked them."""
    return tasks.offer_ready_ids(session)


def lane_sql(offer_ids: Sequence[uuid.UUID]) -> ColumnElement[str]:
    """The stored lane of a contact as a SQL expression: retention after a purchase, offer for `offer_ids`,
    else by the stored score with the thresholds of `rules.lanes` (built once per set of ids: each listing
    asks for it, and the offer lane changes only when recompute marks someone)."""
    return _lane_sql(tuple(offer_ids))


@lru_cache(maxsize=8)
def _lane_sql(offer_ids: tuple[uuid.UUID, ...]) -> ColumnElement[str]:
    score = Contact.relationship_score
    whens: list[tuple[Any, str]] = [(Contact.relationship_stage == "post_win", "retention")]
    if offer_ids:
        whens.append((Contact.id.in_(list(offer_ids)), "offer"))
    whens += [(score >= FRIENDSHIP_MIN, "friendship"), (score >= SERVICE_MIN, "service")]
    return case(*whens, else_="rewarm")


def has_tag_sql(session: Session, tag: str) -> ColumnElement[bool]:
    """The contact has `tag` in instagram_contacts.tags (TEXT[] on PostgreSQL, JSON list on SQLite)."""
    if session.get_bind().dialect.name == "postgresql":
        clause = text("coalesce(instagram_contacts.tags, '{}') @> ARRAY[CAST(:tag_value AS text)]")
    else:
        clause = text("EXISTS (SELECT 1 FROM json_each(instagram_contacts.tags) WHERE value = :tag_value)")
    return clause.bindparams(tag_value=tag)  # type: ignore[return-value]


def attention(session: Session, *, limit: int = 10, now: datetime | None = None) -> list[AttentionRow]:
    """Who to get back to: the overdue first (most days overdue first), then the next planned touches, each
    with why; spam left out. The plan is the stored next_planned_touch (last touch + usual gap, or + the
    keep-in-touch interval you set)."""
    now = now or clock.utcnow()
    planned = Contact.next_planned_touch
    stmt = (
        select(Contact.id, Contact.instagram_username, Contact.display_name, Contact.relationship_score, Contact.tags)
        .where(planned.is_not(None))
        .order_by(planned, Contact.id)
    )
    # Spam is left out in Python (the one spam rule, on the few rows read): the SQL form costs a JSON test on
    # every planned contact before the sort.
    found: list[Any] = []
    page = 0
    while len(found) < limit:
        rows = session.execute(stmt.limit(2 * limit).offset(page * 2 * limit)).all()
        found += [row for row in rows if not is_spam(row)][: limit - len(found)]
        if len(rows) < 2 * limit:
            break
        page += 1
    ids = [row[0] for row in found]
    facts = facts_for_contacts(session, ids)
    records = load_records(session, ids)
    items = []
    shown: dict[str, tuple[str | None, int | None]] = {}
    for cid, username, display, score, _ in found:
        rhythm = cadence(facts[cid], now=now, keep_in_touch_days=records[cid].keep_in_touch_days)
        items.append(AttentionItem(username, rhythm))
        shown[username] = (display, score)
    return [
        AttentionRow(
            username=item.key, display_name=shown[item.key][0], score=shown[item.key][1],
            last_meaningful_touch=item.cadence.last_touch, next_planned_touch=item.cadence.next_planned_touch,
            overdue_days=round(item.cadence.overdue_days, 1), reason=item.cadence.reason,
        )
        for item in attention_order(items)
    ]  # fmt: skip


def weekly_tasks(session: Session, *, now: datetime | None = None) -> WeeklyTasks:
    """This week's buckets (rules/buckets.py): offers (5), micro-wins (10), curiosity (10), rewarm (5).

    Spam, contacts with a message waiting and contacts touched in the last 3 days are in none; the reads are
    tasks.py's (Core only, shared with `everreach tasks --json`).
    """
    return WeeklyTasks(**tasks.weekly_tasks(session, now=now))


def fit_signal_summary(session: Session) -> list[FitSignalCount]:
    """Every active fit signal with how many messages and contacts matched it."""
    stmt = (
        select(
            FitSignal.product,
            FitSignal.signal_key,
            FitSignal.signal_description,
            func.count(FitSignalMatch.id),
            func.count(distinct(FitSignalMatch.contact_id)),
        )
        .outerjoin(FitSignalMatch, FitSignalMatch.fit_signal_id == FitSignal.id)
        .where(FitSignal.is_active == true())
        .group_by(FitSignal.id, FitSignal.product, FitSignal.signal_key, FitSignal.signal_description)
        .order_by(FitSignal.product, FitSignal.signal_key)
    )
    return [
        FitSignalCount(product=p, signal_key=k, description=d, matches=int(n), contacts=int(c))
        for p, k, d, n, c in session.execute(stmt)
    ]


def stage_history(session: Session, *, username: str) -> list[StageChangeRow]:
    """Every stage change of the contact, oldest first."""
    contact = get_contact(session, username=username)
    rows = session.scalars(select(StageChange).where(StageChange.contact_id == contact.id)).all()
    # Rows of one instant: the engine's steps climb the ladder, and a user's change comes after them.
    ordered = sorted(
        rows,
        key=lambda r: (r.changed_at, r.source == "user", STAGES.index(r.to_stage) if r.to_stage in STAGES else 0),
    )
    return [
        StageChangeRow(
            from_stage=r.from_stage, to_stage=r.to_stage, reason=r.reason, source=r.source, changed_at=r.changed_at
        )
        for r in ordered
    ]


def fit_matches(session: Session, *, username: str) -> list[FitMatchRow]:
    """The contact's fit-signal matches with their messages, newest first."""
    contact = get_contact(session, username=username)
    stmt = (
        select(
            FitSignal.product,
            FitSignal.signal_key,
            FitSignalMatch.matched_phrase,
            FitSignalMatch.similarity,
            Message.message_text,
            Message.sent_at,
        )
        .join(FitSignal, FitSignal.id == FitSignalMatch.fit_signal_id)
        .join(Message, Message.id == FitSignalMatch.message_id)
        .where(FitSignalMatch.contact_id == contact.id, Message.is_outbound == false())
        .order_by(Message.sent_at.desc(), FitSignal.product, FitSignal.signal_key)
    )
    return [
        FitMatchRow(product=p, signal_key=k, matched_phrase=ph, similarity=float(sim), message_text=t, sent_at=s)
        for p, k, ph, sim, t, s in session.execute(stmt)
    ]
