"""Pydantic read models of the relationship engine (the JSON shapes of the CLI and the API)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class ComponentValues(BaseModel):
    """The six components, 0..20 each."""

    recency: int = Field(ge=0, le=20)
    resonance: int = Field(ge=0, le=20)
    need_clarity: int = Field(ge=0, le=20)
    value_delivered: int = Field(ge=0, le=20)
    reliability: int = Field(ge=0, le=20)
    consent_level: int = Field(ge=0, le=20)


class ComponentReasons(BaseModel):
    """Why each component has its value."""

    recency: str
    resonance: str
    need_clarity: str
    value_delivered: str
    reliability: str
    consent_level: str


class CadenceRead(BaseModel):
    """A contact's rhythm: touches, the usual gap, going cold, the next planned touch, and why."""

    touches: int
    usual_gap_days: float | None
    going_cold: bool
    next_planned_touch: datetime | None
    overdue_days: float
    reason: str


class Health(BaseModel):
    """A contact's relationship health now: score, stage, lane, components with reasons, cadence."""

    username: str
    display_name: str | None
    score: int = Field(ge=0, le=100)
    stage: str
    lane: str
    lane_reason: str
    components: ComponentValues
    reasons: ComponentReasons
    days_since_touch: int | None
    last_meaningful_touch: datetime | None
    cadence: CadenceRead


class Action(BaseModel):
    """One suggested message: the template, its text filled from the context card, and why."""

    action_key: str
    lane: str
    stage: str
    text: str
    reason: str


class NextActions(BaseModel):
    """The lane of a contact and the top suggested messages (none while a message to them is waiting)."""

    username: str
    lane: str
    lane_reason: str
    stage: str
    #: A message to them is pending, scheduled or being sent: nothing else is suggested until it goes.
    waiting: bool = False
    actions: list[Action]


class ContactRow(BaseModel):
    """A contact in a listing."""

    username: str
    display_name: str | None
    score: int | None
    stage: str | None
    lane: str
    last_meaningful_touch: datetime | None
    tags: list[str] = []


class AttentionRow(BaseModel):
    """A contact whose next planned touch is due or past (the overdue first), and why."""

    username: str
    display_name: str | None
    score: int | None
    last_meaningful_touch: datetime | None
    next_planned_touch: datetime | None
    overdue_days: float
    reason: str


class WeeklyTasks(BaseModel):
    """The weekly buckets: usernames in each."""

    micro_wins: list[str]
    curiosity: list[str]
    rewarm: list[str]
    offers: list[str]


class FitSignalCount(BaseModel):
    """An active fit signal and how often it matched."""

    product: str
    signal_key: str
    description: str
    matches: int
    contacts: int


class FitMatchRow(BaseModel):
    """A fit-signal match on a contact, with its message."""

    product: str
    signal_key: str
    matched_phrase: str
    similarity: float
    message_text: str
    sent_at: datetime | None


class StageChangeRow(BaseModel):
    """One stage change of a contact."""

    from_stage: str | None
    to_stage: str
    reason: str
    source: str
    changed_at: datetime


class RecomputeReport(BaseModel):
    """What a recompute did."""

    contacts: int
    #: Contacts whose stored row changed.
    updated: int
    stage_changes: int
    #: Contacts whose features and records went through the rules (the others only had time pass).
    assessed: int
    new_fit_matches: int = 0


class Bucket(BaseModel):
    """One bar of a histogram."""

    low: int
    high: int
    count: int


class Stats(BaseModel):
    """Totals for the dashboard: contacts, messages, stages, score distribution, queue states."""

    contacts: int
    spam_contacts: int
    messages: int
    inbound: int
    outbound: int
    conversations: int
    last_message_at: datetime | None
    by_stage: dict[str, int]
    score_histogram: list[Bucket]
    queue: dict[str, int]


class MessageRef(BaseModel):
    """A message a note or an evidence item points at: when, which way, and its first words."""

    sent_at: datetime
    outbound: bool
    excerpt: str


class CoachNoteRead(BaseModel):
    """One piece of feedback on your messages in a thread, with the messages it points at."""

    rule: str
    title: str
    sentence: str
    messages: list[MessageRef]


class CoachReport(BaseModel):
    """The coach of one thread: how many messages of yours it read, and its notes (none when all is well)."""

    username: str
    display_name: str | None
    your_messages: int
    notes: list[CoachNoteRead]


class EvidenceItem(BaseModel):
    """One item the rules read from a message: what, when, its words, and whether it counts."""

    number: int
    #: Short enough to type: the kind and the first 8 characters of the message id.
    id: str
    evidence_id: str
    kind: str
    kind_words: str
    detail: str
    at: datetime
    sentence: str
    status: str  # inferred | confirmed | dismissed
    counts: bool
    message: MessageRef | None
    #: For a kept promise: the message that delivered it.
    kept_by: MessageRef | None = None


class CardSuggestion(BaseModel):
    """An empty context-card field, suggested from one of their messages (counted until dismissed)."""

    field: str
    field_words: str
    text: str
    evidence: str
    at: datetime


class EvidenceReport(BaseModel):
    """Every evidence item of one contact, and the context-card suggestions read from their messages."""

    username: str
    display_name: str | None
    items: list[EvidenceItem]
    suggestions: list[CardSuggestion]
