"""Relationship routes: contacts, health, next best actions, what the user records, queries."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path, Query
from pydantic import BaseModel, Field

from everreach.contacts import lookup
from everreach.http import routes
from everreach.http.deps import DbSession
from everreach.messages.schemas import SearchHit
from everreach.messages.search import search_messages
from everreach.relationship import directory, queries, service
from everreach.relationship.rules.stages import STAGES
from everreach.relationship.schemas import (
    AttentionRow,
    ContactRow,
    FitMatchRow,
    FitSignalCount,
    Health,
    NextActions,
    RecomputeReport,
    StageChangeRow,
    WeeklyTasks,
)

router = routes.router()
Username = Annotated[str, Path(min_length=1, max_length=100)]
Note = Field(default="", max_length=5000)
Stage = Literal[STAGES]  # type: ignore[valid-type]
LaneName = Literal["friendship", "service", "offer", "retention", "rewarm"]


class ContextCard(BaseModel):
    """The context card; a field left out is unchanged, an empty string clears it."""

    what_theyre_building: str | None = Field(default=None, max_length=5000)
    current_friction: str | None = Field(default=None, max_length=5000)
    their_definition_of_win: str | None = Field(default=None, max_length=5000)
    constraints: str | None = Field(default=None, max_length=5000)
    preferred_contact_style: str | None = Field(default=None, max_length=5000)


class ContactDetail(BaseModel):
    """A contact: health (score, components, reasons), context card, logs and counters."""

    health: Health
    context: ContextCard
    value_log: list[dict[str, Any]]
    trust_signals: list[dict[str, Any]]
    tags: list[str]
    notes: str | None
    total_messages_sent: int
    total_messages_received: int


class KindNote(BaseModel):
    """A kind of entry and a note."""

    kind: str = Field(min_length=1, max_length=50)
    note: str = Note


class NoteOnly(BaseModel):
    """A note."""

    note: str = Note


class Purchase(BaseModel):
    """A purchase of a product."""

    product: str = Field(min_length=1, max_length=200)
    note: str = Note


class StageSet(BaseModel):
    """A stage chosen by hand, and why."""

    stage: Stage
    reason: str = Field(default="set by hand", max_length=1000)


@router.get("/contacts", response_model=list[ContactRow], tags=["contacts"])
def list_contacts(
    session: DbSession,
    stage: Stage | None = None,
    lane: LaneName | None = None,
    min_score: Annotated[int | None, Query(ge=0, le=100)] = None,
    max_score: Annotated[int | None, Query(ge=0, le=100)] = None,
    tag: Annotated[str | None, Query(max_length=100)] = None,
    sort: Literal["score", "username", "recent", "stale"] = "score",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[ContactRow]:
    """Contacts filtered by stage, lane, score range and tag; sorted; paged."""
    return directory.list_contacts(
        session, stage=stage, lane=lane, min_score=min_score, max_score=max_score, tag=tag, sort=sort,
        limit=limit, offset=offset,
    )  # fmt: skip


@router.get("/contacts/{username}", response_model=ContactDetail, tags=["contacts"])
def get_contact(session: DbSession, username: Username) -> ContactDetail:
    """One contact with health, context card, value log and trust signals."""
    contact = lookup.get_contact(session, username=username)
    return ContactDetail(
        health=queries.health(session, username=contact.instagram_username, contact=contact),
        context=ContextCard.model_validate(contact, from_attributes=True),
        value_log=list(contact.value_delivered_log or []),
        trust_signals=list(contact.trust_signals or []),
        tags=list(contact.tags or []),
        notes=contact.notes,
        total_messages_sent=contact.total_messages_sent or 0,
        total_messages_received=contact.total_messages_received or 0,
    )


@router.put("/contacts/{username}/context", response_model=Health, tags=["contacts"])
def update_context(session: DbSession, username: Username, card: ContextCard) -> Health:
    """Fill or change the context card; the score updates at once."""
    return service.update_context_card(session, username=username, **card.model_dump(exclude_unset=True))


@router.post("/contacts/{username}/value", response_model=Health, tags=["contacts"])
def record_value(session: DbSession, username: Username, entry: KindNote) -> Health:
    """Log value delivered (link, intro, template, feedback, resource)."""
    return service.record_value(session, username=username, kind=entry.kind, note=entry.note)


@router.post("/contacts/{username}/promise", response_model=Health, tags=["contacts"])
def record_promise(session: DbSession, username: Username, entry: NoteOnly) -> Health:
    """Log a promise made to the contact."""
    return service.record_promise(session, username=username, note=entry.note)


@router.post("/contacts/{username}/promise-kept", response_model=Health, tags=["contacts"])
def record_promise_kept(session: DbSession, username: Username, entry: NoteOnly) -> Health:
    """Log a promise kept."""
    return service.record_promise_kept(session, username=username, note=entry.note)


@router.post("/contacts/{username}/trust", response_model=Health, tags=["contacts"])
def record_trust(session: DbSession, username: Username, entry: KindNote) -> Health:
    """Log a trust signal (asks_opinion, refers_others, shares_updates)."""
    return service.record_trust_signal(session, username=username, kind=entry.kind, note=entry.note)


@router.post("/contacts/{username}/consent", response_model=Health, tags=["contacts"])
def record_consent(session: DbSession, username: Username, entry: KindNote) -> Health:
    """Log a consent event (opt_in, asked_for_help, offer_yes)."""
    return service.record_consent(session, username=username, kind=entry.kind, note=entry.note)


@router.post("/contacts/{username}/purchase", response_model=Health, tags=["contacts"])
def record_purchase(session: DbSession, username: Username, entry: Purchase) -> Health:
    """Log a purchase (the contact moves to post_win)."""
    return service.record_purchase(session, username=username, product=entry.product, note=entry.note)


@router.post("/contacts/{username}/stage", response_model=Health, tags=["contacts"])
def set_stage(session: DbSession, username: Username, entry: StageSet) -> Health:
    """Set the stage by hand (recorded in the stage history)."""
    return service.set_stage(session, username=username, stage=entry.stage, reason=entry.reason)


@router.get("/contacts/{username}/health", response_model=Health, tags=["relationship"])
def health(session: DbSession, username: Username) -> Health:
    """Score, stage, lane, components with reasons, days since the last meaningful touch."""
    return queries.health(session, username=username)


@router.get("/contacts/{username}/next", response_model=NextActions, tags=["relationship"])
def next_actions(session: DbSession, username: Username) -> NextActions:
    """The lane and the top 3 suggested messages, with why."""
    return queries.next_best_actions(session, username=username)


@router.get("/contacts/{username}/history", response_model=list[StageChangeRow], tags=["relationship"])
def history(session: DbSession, username: Username) -> list[StageChangeRow]:
    """Every stage change with its reason and time."""
    return queries.stage_history(session, username=username)


@router.get("/contacts/{username}/fit-matches", response_model=list[FitMatchRow], tags=["relationship"])
def fit_matches(session: DbSession, username: Username) -> list[FitMatchRow]:
    """Fit-signal matches on the contact, with their messages."""
    return queries.fit_matches(session, username=username)


@router.get("/search", response_model=list[SearchHit], tags=["relationship"])
def search(
    session: DbSession,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> list[SearchHit]:
    """Messages containing the text (case-insensitive), newest first."""
    return search_messages(session, query=q, limit=limit)


@router.get("/attention", response_model=list[AttentionRow], tags=["relationship"])
def attention(session: DbSession, limit: Annotated[int, Query(ge=1, le=500)] = 10) -> list[AttentionRow]:
    """Who to get back to: the overdue first, then the next planned touches, each with why."""
    return queries.attention(session, limit=limit)


@router.get("/tasks", response_model=WeeklyTasks, tags=["relationship"])
def tasks(session: DbSession) -> WeeklyTasks:
    """This week's buckets: micro-wins, curiosity, rewarm, offers."""
    return queries.weekly_tasks(session)


@router.get("/fit-signals", response_model=list[FitSignalCount], tags=["relationship"])
def fit_signals(session: DbSession) -> list[FitSignalCount]:
    """Active fit signals with match counts."""
    return queries.fit_signal_summary(session)


@router.post("/recompute", response_model=RecomputeReport, tags=["relationship"])
def recompute(session: DbSession) -> RecomputeReport:
    """Recompute every contact's score, stage, lane, cadence and fit-signal matches."""
    return service.recompute_all(session)
