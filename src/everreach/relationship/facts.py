"""Gather the facts of many contacts at once: a handful of set-based queries, never one query per contact.

1. and 2. the message aggregates (message_facts.py): totals, and the 90-day window;
3. the contacts themselves (context card, value log, trust signals, stored values);
4. relationship events grouped by kind; 5. fit signals matched on two or more days.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Text,
    and_,
    case,
    cast,
    distinct,
    func,
    null,
    select,
    true,
    type_coerce,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Executable

from everreach.db.models import STAGES, Contact, FitSignal, FitSignalMatch, RelationshipEvent, StageChange
from everreach.relationship.message_facts import (
    contact_filter,
    message_totals,
    recent_features,
    statement_mode,
    statement_params,
)
from everreach.relationship.scoring import CONSENT_POINTS, ContactFacts, MessageFacts
from everreach.relationship.textfeatures import (
    epoch_seconds,
    floor_int,
)

CONTEXT_FIELDS = (
    "what_theyre_building",
    "current_friction",
    "their_definition_of_win",
    "constraints",
    "preferred_contact_style",
)
TEMPLATE_USED = "template_used"
PURCHASE = "purchase"


@dataclass
class ContactState:
    """A contact's stored row as the engine reads it (what recompute compares against)."""

    id: uuid.UUID
    username: str
    display_name: str | None
    stage: str | None
    score: int | None
    stored: dict[str, int | None]
    last_touch: datetime | None
    totals: tuple[int | None, int | None]
    fit_summary: list[Any] | None
    facts: ContactFacts = field(default_factory=ContactFacts)
    pinned: bool = False  # the user last moved the stage back by hand: no automatic advance


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def event_counts(
    session: Session, *, ids: Sequence[uuid.UUID] | None = None
) -> dict[uuid.UUID, dict[tuple[str, str | None], int]]:
    """contact id -> {(kind, detail-for-templates): count} for consent, purchase and template events."""
    out: dict[uuid.UUID, dict[tuple[str, str | None], int]] = {}
    for cid, kind, det, n in session.connection().execute(_events_stmt(statement_mode(ids)), statement_params(ids)):
        out.setdefault(cid, {})[(kind, det)] = int(n)
    return out


@lru_cache
def _events_stmt(mode: str) -> Executable:
    detail = case((RelationshipEvent.kind == TEMPLATE_USED, RelationshipEvent.detail), else_=None)
    kinds = [*CONSENT_POINTS, TEMPLATE_USED, PURCHASE]
    stmt = (
        select(RelationshipEvent.contact_id, RelationshipEvent.kind, detail, func.count())
        .where(RelationshipEvent.kind.in_(kinds), contact_filter(RelationshipEvent.contact_id, mode))
        .group_by(RelationshipEvent.contact_id, RelationshipEvent.kind, detail)
    )
    return stmt


def fit_repeats(session: Session, *, ids: Sequence[uuid.UUID] | None = None) -> dict[uuid.UUID, str]:
    """contact id -> the first (by product, key) active fit signal matched on >= 2 distinct UTC days."""
    out: dict[uuid.UUID, str] = {}
    for cid, product, key in session.connection().execute(_repeats_stmt(statement_mode(ids)), statement_params(ids)):
        out.setdefault(cid, f"{product}/{key}")
    return out


@lru_cache
def _repeats_stmt(mode: str) -> Executable:
    day = floor_int(epoch_seconds(FitSignalMatch.matched_on) / 86400.0)
    stmt = (
        select(FitSignalMatch.contact_id, FitSignal.product, FitSignal.signal_key)
        .join(FitSignal, FitSignal.id == FitSignalMatch.fit_signal_id)
        .where(FitSignal.is_active == true(), contact_filter(FitSignalMatch.contact_id, mode))
        .group_by(FitSignalMatch.contact_id, FitSignal.product, FitSignal.signal_key)
        .having(func.count(distinct(day)) >= 2)
        .order_by(FitSignal.product, FitSignal.signal_key)
    )
    return stmt


def pinned_ids(session: Session, *, ids: Sequence[uuid.UUID] | None = None) -> set[uuid.UUID]:
    """Contacts whose latest stage change was the user moving them back (automatic advance stays off)."""
    rank = {stage: i for i, stage in enumerate(STAGES)}
    pinned: dict[uuid.UUID, bool] = {}
    for cid, source, old, new in session.connection().execute(_pinned_stmt(statement_mode(ids)), statement_params(ids)):
        back = source == "user" and rank.get(new, 0) < rank.get(old or "first_touch", 0)
        # Several rows at the same instant: the engine never advances after a user's move back, so the user's
        # row is the last one of them.
        pinned[cid] = pinned.get(cid, False) or back
    return {cid for cid, is_pinned in pinned.items() if is_pinned}


@lru_cache
def _pinned_stmt(mode: str) -> Executable:
    latest = (
        select(StageChange.contact_id, func.max(StageChange.changed_at).label("at"))
        .where(contact_filter(StageChange.contact_id, mode))
        .group_by(StageChange.contact_id)
        .subquery()
    )
    stmt = select(StageChange.contact_id, StageChange.source, StageChange.from_stage, StageChange.to_stage).join(
        latest, and_(latest.c.contact_id == StageChange.contact_id, latest.c.at == StageChange.changed_at)
    )
    return stmt


def _message_facts(totals: tuple[Any, ...] | None, recent: tuple[Any, ...] | None) -> MessageFacts:
    last, sent, received = totals or (None, 0, 0)
    if recent is None:
        return MessageFacts(last_meaningful_touch=last, total_sent=int(sent or 0), total_received=int(received or 0))
    deep, chars, q, selfd, emo, mine, replied, weeks, cad_in, cad_out = (int(v or 0) for v in recent)
    return MessageFacts(
        last_meaningful_touch=last,
        deep_replies=deep,
        reply_chars=chars,
        questions=q,
        self_disclosures=selfd,
        emotion=emo,
        outbound_person=mine,
        replied=replied,
        cadence_weeks=weeks,
        cadence_inbound=bool(cad_in),
        cadence_outbound=bool(cad_out),
        total_sent=int(sent or 0),
        total_received=int(received or 0),
    )


def gather(session: Session, *, now: datetime, ids: Sequence[uuid.UUID] | None = None) -> list[ContactState]:
    """Every contact (or those in `ids`) with its stored state and its facts at `now`."""
    session.flush()  # the queries below run on the connection, which does not autoflush
    totals = message_totals(session, ids=ids)
    recent = recent_features(session, now=now, ids=ids)
    events = event_counts(session, ids=ids)
    repeats = fit_repeats(session, ids=ids)
    pinned = pinned_ids(session, ids=ids)
    states = []
    for row in session.connection().execute(_contacts_stmt(statement_mode(ids)), statement_params(ids)):
        cid = row[0]
        ev = events.get(cid, {})
        offer = sum(n for (kind, det), n in ev.items() if kind == TEMPLATE_USED and (det or "").startswith("offer/"))
        other = sum(n for (kind, _), n in ev.items() if kind == TEMPLATE_USED) - offer
        facts = ContactFacts(
            messages=_message_facts(totals.get(cid), recent.get(cid)),
            context={name: _text(row[16 + i]) for i, name in enumerate(CONTEXT_FIELDS)},
            value_log=[e for e in (row[14] or []) if isinstance(e, dict)],
            trust_signals=[e for e in (row[15] or []) if isinstance(e, dict)],
            consent_kinds=frozenset(kind for (kind, _) in ev if kind in CONSENT_POINTS),
            template_value_touches=other,
            offer_touches=offer,
            fit_repeat_signal=repeats.get(cid),
            purchases=sum(n for (kind, _), n in ev.items() if kind == PURCHASE),
        )
        stored = dict(
            zip(
                ("resonance", "need_clarity", "value_delivered", "reliability", "consent_level"), row[5:10], strict=True
            )
        )
        states.append(
            ContactState(
                id=cid,
                username=row[1],
                display_name=row[2],
                stage=row[3],
                score=row[4],
                stored=stored,
                last_touch=row[10],
                totals=(row[11], row[12]),
                fit_summary=row[13],
                facts=facts,
                pinned=cid in pinned,
            )
        )
    return states


@lru_cache
def _contacts_stmt(mode: str) -> Executable:
    c = Contact
    return select(
        c.id, c.instagram_username, c.display_name, c.relationship_stage, c.relationship_score,
        c.resonance_score, c.need_clarity_score, c.value_delivered_score, c.reliability_score, c.consent_level,
        c.last_meaningful_touch, c.total_messages_sent, c.total_messages_received, _unless_empty(c.fit_signals),
        _unless_empty(c.value_delivered_log), _unless_empty(c.trust_signals), *(getattr(c, f) for f in CONTEXT_FIELDS),
    ).where(contact_filter(c.id, mode))  # fmt: skip


def _unless_empty(column: Any) -> Any:
    """A JSON list column, NULL when it is the empty list: most contacts have empty logs, and the database
    answers that test far faster than the JSON decoder run on every row (the readers treat NULL as [])."""
    return type_coerce(case((cast(column, Text) == "[]", null()), else_=column), column.type)
