"""Read-side queries of the relationship engine: health, next best actions, listings, tasks.

Health and next best action compute a contact's components fresh at `now` (a few indexed queries for one
contact); listings read the stored score and stage that recompute keeps, with the lane derived in SQL (offer
readiness, which needs the 3:1 rule, is kept by recompute in offer_ready_contacts). Attention and the weekly
tasks walk contact_ranks (their queries live in tasks.py, which loads no ORM model for the CLI's fast path).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    case,
    distinct,
    false,
    func,
    select,
    text,
    true,
)
from sqlalchemy.orm import Session

from everreach.contacts.lookup import get_contact
from everreach.db.models import (
    STAGES,
    Contact,
    FitSignal,
    FitSignalMatch,
    Message,
    NextBestAction,
    RelationshipEvent,
    StageChange,
)
from everreach.errors import ValidationError
from everreach.relationship import actions, scoring, stages, tasks
from everreach.relationship.facts import TEMPLATE_USED, gather
from everreach.relationship.recompute import utcnow
from everreach.relationship.schemas import (
    Action,
    AttentionRow,
    ComponentReasons,
    ComponentValues,
    ContactRow,
    FitMatchRow,
    FitSignalCount,
    Health,
    NextActions,
    StageChangeRow,
    WeeklyTasks,
)
from everreach.relationship.tasks import offer_ready_ids

SORTS = ("score", "username", "recent", "stale")
TEMPLATE_COOLDOWN = timedelta(days=30)


def health(session: Session, *, username: str, now: datetime | None = None, contact: Contact | None = None) -> Health:
    """Score, stage, lane, the six components with reasons and days since the last meaningful touch, at `now`.

    `contact`: the contact already loaded by the caller (saves looking it up again).
    """
    now = now or utcnow()
    if contact is None or contact.instagram_username != username:
        contact = get_contact(session, username=username)
    state = gather(session, now=now, ids=[contact.id])[0]
    comps = scoring.components(state.facts, now=now)
    # The stage the same facts earn, as recompute would store it (the stored one may predate new messages).
    steps = [] if state.pinned else stages.advance(state.stage, state.facts, comps)
    stage = steps[-1][0] if steps else state.stage or "first_touch"
    decision = stages.lane_for(stage, state.facts, comps)
    last = state.facts.messages.last_meaningful_touch
    return Health(
        username=state.username,
        display_name=state.display_name,
        score=comps.score,
        stage=stage,
        lane=decision.lane,
        lane_reason=decision.reason,
        components=ComponentValues(**comps.values()),
        reasons=ComponentReasons(**comps.reasons()),
        days_since_touch=int(max(0.0, (now - last) / timedelta(days=1))) if last else None,
        last_meaningful_touch=last,
    )


def next_best_actions(session: Session, *, username: str, now: datetime | None = None) -> NextActions:
    """The contact's lane and up to three templates of it, filled from the context card, with reasons."""
    now = now or utcnow()
    h = health(session, username=username, now=now)
    contact = get_contact(session, username=username)
    templates = [
        actions.Template(t.lane, t.stage, t.action_key, t.action_text, t.metadata_ or {})
        for t in session.scalars(
            select(NextBestAction).where(NextBestAction.is_active == true(), NextBestAction.lane == h.lane)
        )
    ]
    used = [
        (str(meta.get("lane")), str(meta.get("action_key")))
        for meta in session.scalars(
            select(RelationshipEvent.metadata_).where(
                RelationshipEvent.contact_id == contact.id,
                RelationshipEvent.kind == TEMPLATE_USED,
                RelationshipEvent.occurred_at >= now - TEMPLATE_COOLDOWN,
            )
        )
        if meta
    ]
    context = {name: getattr(contact, name) for name in actions.CONTEXT_FIELDS}
    picked = actions.pick(
        templates, lane=h.lane, stage=h.stage, context=context, recently_used=used, lane_reason=h.lane_reason
    )
    return NextActions(
        username=h.username,
        lane=h.lane,
        lane_reason=h.lane_reason,
        stage=h.stage,
        actions=[Action(**vars(s)) for s in picked],
    )


def lane_sql(offer_ids: Sequence[uuid.UUID]) -> ColumnElement[str]:
    """The stored-score lane of a contact as a SQL expression (offer for `offer_ids`)."""
    score = Contact.relationship_score
    whens: list[tuple[Any, str]] = [(Contact.relationship_stage == "post_win", "retention")]
    if offer_ids:
        whens.append((Contact.id.in_(list(offer_ids)), "offer"))
    whens += [(score >= 80, "friendship"), (score >= 40, "service")]
    return case(*whens, else_="rewarm")


def has_tag_sql(session: Session, tag: str) -> ColumnElement[bool]:
    """The contact has `tag` in instagram_contacts.tags (TEXT[] on PostgreSQL, JSON list on SQLite)."""
    if session.get_bind().dialect.name == "postgresql":
        clause = text("coalesce(instagram_contacts.tags, '{}') @> ARRAY[CAST(:tag_value AS text)]")
    else:
        clause = text("EXISTS (SELECT 1 FROM json_each(instagram_contacts.tags) WHERE value = :tag_value)")
    return clause.bindparams(tag_value=tag)  # type: ignore[return-value]


def attention(session: Session, *, limit: int = 10, now: datetime | None = None) -> list[AttentionRow]:
    """Contacts with no meaningful touch in 30 days (or never), highest score first; spam left out."""
    return [
        AttentionRow(username=u, display_name=d, score=s, last_meaningful_touch=t)
        for u, d, s, t in tasks.attention(session, limit=limit, now=now)
    ]


def weekly_tasks(session: Session, *, now: datetime | None = None) -> WeeklyTasks:
    """This week's buckets: micro-wins (>= 60, 10), curiosity (40-59, 10), rewarm (< 40, 5), offers (5)."""
    return WeeklyTasks(**tasks.weekly_tasks(session, now=now))


def list_contacts(
    session: Session,
    *,
    stage: str | None = None,
    lane: str | None = None,
    min_score: int | None = None,
    max_score: int | None = None,
    tag: str | None = None,
    sort: str = "score",
    limit: int = 50,
    offset: int = 0,
) -> list[ContactRow]:
    """Contacts filtered by stage, lane, score range (inclusive) and tag, sorted by score/username/recent/stale."""
    if stage is not None and stage not in STAGES:
        raise ValidationError(f"stage must be one of {', '.join(STAGES)}, not {stage!r}")
    if sort not in SORTS:
        raise ValidationError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    lane_expr = lane_sql(offer_ready_ids(session))
    stmt = select(
        Contact.instagram_username, Contact.display_name, Contact.relationship_score, Contact.relationship_stage,
        lane_expr, Contact.last_meaningful_touch, Contact.tags,
    )  # fmt: skip
    if stage is not None:
        stmt = stmt.where(Contact.relationship_stage == stage)
    if lane is not None:
        stmt = stmt.where(lane_expr == lane)
    if min_score is not None:
        stmt = stmt.where(Contact.relationship_score >= min_score)
    if max_score is not None:
        stmt = stmt.where(Contact.relationship_score <= max_score)
    if tag is not None:
        stmt = stmt.where(has_tag_sql(session, tag))
    order = {
        "score": (Contact.relationship_score.desc(), Contact.instagram_username),
        "username": (Contact.instagram_username,),
        "recent": (Contact.last_meaningful_touch.desc(), Contact.instagram_username),
        "stale": (Contact.last_meaningful_touch, Contact.instagram_username),
    }[sort]
    if sort in ("score", "recent", "stale"):
        nulls = {"score": Contact.relationship_score, "recent": Contact.last_meaningful_touch,
                 "stale": Contact.last_meaningful_touch}[sort]  # fmt: skip
        # The same NULL placement on both engines: contacts without the value come last.
        stmt = stmt.order_by(case((nulls.is_(None), 1), else_=0))
    stmt = stmt.order_by(*order).limit(max(1, min(limit, 1000))).offset(max(0, offset))
    return [
        ContactRow(
            username=u, display_name=d, score=s, stage=st, lane=ln, last_meaningful_touch=t, tags=list(tags or [])
        )
        for u, d, s, st, ln, t, tags in session.execute(stmt)
    ]


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
