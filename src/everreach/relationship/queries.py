"""Read-side queries of the relationship engine: health, next best actions, listings, tasks.

Health and next best action compute a contact's components fresh at `now` (a few indexed queries for one
contact); listings read the stored score and stage that recompute keeps, with the lane derived in SQL (offer
readiness, which needs the 3:1 rule, is kept by recompute in offer_ready_contacts). Attention and the weekly
tasks walk contact_ranks, the score-ordered copy of the contacts that triggers keep (see ranks.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    bindparam,
    case,
    distinct,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from everreach.contacts.lookup import get_contact
from everreach.contacts.spam import spam_sql
from everreach.db.models import (
    STAGES,
    Contact,
    ContactRank,
    FitSignal,
    FitSignalMatch,
    Message,
    NextBestAction,
    OfferReadyContact,
    RelationshipEvent,
    StageChange,
)
from everreach.errors import ValidationError
from everreach.relationship import actions, scoring, stages
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


def offer_ready_ids(session: Session) -> list[uuid.UUID]:
    """Contacts in the offer lane (offer stage, trust or consent, 3:1 met), as recompute last marked them.

    The stored stage and consent are checked again here, so a contact moved by hand since is left out.
    """
    marked = list(session.scalars(select(OfferReadyContact.contact_id)))
    if not marked:
        return []
    stmt = (
        select(Contact.id)
        .where(
            Contact.id.in_(marked),
            # `|| ''` keeps both planners off the stage index: the few marked ids drive the lookup.
            (Contact.relationship_stage + "").in_(stages.OFFER_STAGES),
            Contact.consent_level > 0,
        )
        .order_by(Contact.id)
    )
    return list(session.scalars(stmt))


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


def _ranked(*, low: int | None = None, high: int | None = None) -> Any:
    """Contacts walked from contact_ranks, best score first (ties by id), with low <= score < high; spam left out.

    The walk stays in contact_ranks' key order and reads its filter columns from the same tree, so it costs
    the entries it passes, not a contact row each; only the rows it returns are looked up in instagram_contacts.
    """
    rank = ContactRank
    bounds = [rank.minus_score <= -(low or 0)]  # minus_score 1 is a contact without a score: never listed
    if high is not None:
        bounds.append(rank.minus_score > -high)
    return (
        select(Contact.instagram_username)
        .select_from(rank)
        .join(Contact, Contact.id == rank.contact_id)
        .where(*bounds, rank.is_spam == false())
        .order_by(rank.minus_score, rank.contact_id)
    )


def attention(session: Session, *, limit: int = 10, now: datetime | None = None) -> list[AttentionRow]:
    """Contacts with no meaningful touch in 30 days (or never), highest score first; spam left out."""
    now = now or utcnow()
    touch = ContactRank.last_meaningful_touch
    stmt = (
        _ranked()
        .add_columns(Contact.display_name, Contact.relationship_score, Contact.last_meaningful_touch)
        .where(or_(touch < now - timedelta(days=30), touch.is_(None)))
        .limit(limit)
    )
    return [
        AttentionRow(username=u, display_name=d, score=s, last_meaningful_touch=t)
        for u, d, s, t in session.execute(stmt)
    ]


TASK_BUCKETS = (("micro_wins", 10, 60, None), ("curiosity", 10, 40, 60), ("rewarm", 5, None, 40))


def weekly_tasks(session: Session, *, now: datetime | None = None) -> WeeklyTasks:
    """This week's buckets: micro-wins (>= 60, 10), curiosity (40-59, 10), rewarm (< 40, 5), offers (5).

    Spam and contacts touched in the last 3 days are left out; a contact in offers is not repeated elsewhere.
    After the offer-ready ids (a small table), every bucket comes from one statement built once per engine: a
    UNION ALL of one walk down contact_ranks per bucket, the offer-ready contacts looked up by id.
    """
    now = now or utcnow()
    ready = offer_ready_ids(session)
    stmt = _tasks_stmt(session.get_bind().dialect.name, bool(ready))
    params: dict[str, Any] = {"touched_before": now - timedelta(days=3)}
    if ready:
        params["ready"] = ready
    rows: dict[str, list[tuple[int, uuid.UUID, str]]] = {"offers": [], **{name: [] for name, *_ in TASK_BUCKETS}}
    for name, username, score, cid in session.execute(stmt, params):
        rows[name].append((-score, cid, username))
    # SQL promises no row order out of a UNION ALL: each bucket is put in (score, id) order again here.
    return WeeklyTasks(**{name: [u for *_, u in sorted(found)] for name, found in rows.items()})


@lru_cache
def _tasks_stmt(dialect: str, with_offers: bool) -> Any:
    before = bindparam("touched_before", type_=Contact.last_meaningful_touch.type)
    parts = []
    excluded: list[ColumnElement[bool]] = []
    if with_offers:  # the offer-ready ids, looked up by primary key
        ready: Any = bindparam("ready", expanding=True)
        offers = (
            select(Contact.instagram_username)
            .where(
                Contact.id.in_(ready),
                not_(spam_sql(dialect)),
                or_(Contact.last_meaningful_touch.is_(None), Contact.last_meaningful_touch < before),
            )
            .order_by(Contact.relationship_score.desc(), Contact.id)
            .limit(5)
        )
        parts.append(("offers", offers.add_columns(Contact.relationship_score, Contact.id)))
        excluded.append(ContactRank.contact_id.not_in(ready))
    touch = ContactRank.last_meaningful_touch
    for name, n, low, high in TASK_BUCKETS:
        walk = _ranked(low=low, high=high).where(or_(touch.is_(None), touch < before), *excluded).limit(n)
        parts.append((name, walk.add_columns(-ContactRank.minus_score, ContactRank.contact_id)))
    branches = []
    for i, (name, stmt) in enumerate(parts):
        sub = stmt.subquery(f"b{i}")
        username, score, cid = sub.c
        branches.append(select(literal(name).label("bucket"), username, score, cid))
    return union_all(*branches)


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
