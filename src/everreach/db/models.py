"""SQLAlchemy 2 typed models: the seven tables of the seed schema, then EverReach's own tables.

On PostgreSQL the seven seed tables match `spec/seed-schema-reference.md` exactly (names, types, defaults,
constraints, indexes). New needs are met with new tables only, defined below the seed tables.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from everreach.db.types import JSONType, TextArray, UTCDateTime

# PostgreSQL's own default names, so that tables created from the seed's SQL and from the models agree.
NAMING_CONVENTION = {
    "pk": "%(table_name)s_pkey",
    "uq": "%(table_name)s_%(column_0_N_name)s_key",
    "fk": "%(table_name)s_%(column_0_name)s_fkey",
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "ck": "%(table_name)s_%(constraint_name)s_check",
}

LANES = ("friendship", "service", "offer", "retention", "rewarm")
PATTERN_TYPES = ("known_handle", "selector", "skip_pattern", "spam_pattern")
QUEUE_STATUSES = ("pending", "scheduled", "sending", "sent", "failed", "cancelled")


class Base(DeclarativeBase):
    """Declarative base with PostgreSQL-style constraint names."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _uuid_pk() -> Mapped[uuid.UUID]:
    return mapped_column(Uuid(), primary_key=True, default=uuid.uuid4, server_default=text("gen_random_uuid()"))


def _now(nullable: bool = True) -> Mapped[datetime]:
    return mapped_column(UTCDateTime(), nullable=nullable, server_default=func.now(), default=None)


def _fk(target: str, *, nullable: bool = True, cascade: bool = True) -> Mapped[uuid.UUID]:
    return mapped_column(Uuid(), ForeignKey(target, ondelete="CASCADE" if cascade else None), nullable=nullable)


# ---------------------------------------------------------------------------------------------------------
# The seven seed tables
# ---------------------------------------------------------------------------------------------------------


class Contact(Base):
    """instagram_contacts: a person, their relationship score components and context card."""

    __tablename__ = "instagram_contacts"

    id: Mapped[uuid.UUID] = _uuid_pk()
    instagram_username: Mapped[str] = mapped_column(Text, unique=True, nullable=False)
    display_name: Mapped[str | None] = mapped_column(Text)
    profile_url: Mapped[str | None] = mapped_column(Text)
    bio: Mapped[str | None] = mapped_column(Text)
    follower_count: Mapped[int | None] = mapped_column(Integer)
    following_count: Mapped[int | None] = mapped_column(Integer)

    relationship_score: Mapped[int | None] = mapped_column(Integer, server_default=text("50"), default=50)
    relationship_stage: Mapped[str | None] = mapped_column(
        Text, server_default=text("'first_touch'"), default="first_touch"
    )
    last_meaningful_touch: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_planned_touch: Mapped[datetime | None] = mapped_column(UTCDateTime())

    resonance_score: Mapped[int | None] = mapped_column(Integer, server_default=text("0"), default=0)
    need_clarity_score: Mapped[int | None] = mapped_column(Integer, server_default=text("0"), default=0)
    value_delivered_score: Mapped[int | None] = mapped_column(Integer, server_default=text("0"), default=0)
    reliability_score: Mapped[int | None] = mapped_column(Integer, server_default=text("0"), default=0)
    consent_level: Mapped[int | None] = mapped_column(Integer, server_default=text("0"), default=0)

    what_theyre_building: Mapped[str | None] = mapped_column(Text)
    current_friction: Mapped[str | None] = mapped_column(Text)
    their_definition_of_win: Mapped[str | None] = mapped_column(Text)
    constraints: Mapped[str | None] = mapped_column(Text)
    preferred_contact_style: Mapped[str | None] = mapped_column(Text)

    trust_signals: Mapped[list[Any] | None] = mapped_column(JSONType, server_default=text("'[]'"), default=list)
    fit_signals: Mapped[list[Any] | None] = mapped_column(JSONType, server_default=text("'[]'"), default=list)
    value_delivered_log: Mapped[list[Any] | None] = mapped_column(JSONType, server_default=text("'[]'"), default=list)

    total_messages_sent: Mapped[int | None] = mapped_column(Integer, server_default=text("0"), default=0)
    total_messages_received: Mapped[int | None] = mapped_column(Integer, server_default=text("0"), default=0)

    tags: Mapped[list[str] | None] = mapped_column(TextArray)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime | None] = _now()
    updated_at: Mapped[datetime | None] = _now()

    __table_args__ = (
        Index("idx_contacts_username", "instagram_username"),
        Index("idx_contacts_score", relationship_score.desc()),
        Index("idx_contacts_stage", "relationship_stage"),
    )


class Conversation(Base):
    """instagram_conversations: one DM thread's metadata."""

    __tablename__ = "instagram_conversations"

    id: Mapped[uuid.UUID] = _uuid_pk()
    contact_id: Mapped[uuid.UUID | None] = _fk("instagram_contacts.id")
    thread_id: Mapped[str | None] = mapped_column(Text)
    last_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_message_preview: Mapped[str | None] = mapped_column(Text)
    last_message_is_outbound: Mapped[bool | None] = mapped_column(Boolean)
    is_read: Mapped[bool | None] = mapped_column(Boolean, server_default=text("true"), default=True)
    is_archived: Mapped[bool | None] = mapped_column(Boolean, server_default=text("false"), default=False)
    tab: Mapped[str | None] = mapped_column(Text, server_default=text("'primary'"), default="primary")
    created_at: Mapped[datetime | None] = _now()
    updated_at: Mapped[datetime | None] = _now()

    __table_args__ = (
        Index("idx_conversations_contact", "contact_id"),
        Index("idx_conversations_updated", updated_at.desc()),
    )


class Message(Base):
    """instagram_messages: one message; (contact_id, message_text, sent_at) is unique."""

    __tablename__ = "instagram_messages"

    id: Mapped[uuid.UUID] = _uuid_pk()
    conversation_id: Mapped[uuid.UUID | None] = _fk("instagram_conversations.id")
    contact_id: Mapped[uuid.UUID | None] = _fk("instagram_contacts.id")
    message_text: Mapped[str] = mapped_column(Text, nullable=False)
    message_type: Mapped[str | None] = mapped_column(Text, server_default=text("'text'"), default="text")
    is_outbound: Mapped[bool] = mapped_column(Boolean, nullable=False)
    sent_by_automation: Mapped[bool | None] = mapped_column(Boolean, server_default=text("false"), default=False)
    sent_at: Mapped[datetime | None] = _now()
    raw_data: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime | None] = _now()

    __table_args__ = (
        Index("idx_messages_conversation", "conversation_id"),
        Index("idx_messages_contact", "contact_id"),
        Index("idx_messages_sent", sent_at.desc()),
        Index("idx_messages_unique", "contact_id", "message_text", "sent_at", unique=True),
    )


class AutomationPattern(Base):
    """automation_patterns: known handles, selectors, skip and spam patterns."""

    __tablename__ = "automation_patterns"

    id: Mapped[uuid.UUID] = _uuid_pk()
    pattern_type: Mapped[str] = mapped_column(Text, nullable=False)
    pattern_key: Mapped[str] = mapped_column(Text, nullable=False)
    pattern_value: Mapped[str] = mapped_column(Text, nullable=False)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column(
        "metadata", JSONType, server_default=text("'{}'"), default=dict
    )
    is_active: Mapped[bool | None] = mapped_column(Boolean, server_default=text("true"), default=True)
    created_at: Mapped[datetime | None] = _now()
    updated_at: Mapped[datetime | None] = _now()

    __table_args__ = (
        UniqueConstraint("pattern_type", "pattern_key"),
        Index("idx_patterns_type", "pattern_type"),
    )


class NextBestAction(Base):
    """next_best_actions: reply templates by lane and stage."""

    __tablename__ = "next_best_actions"

    id: Mapped[uuid.UUID] = _uuid_pk()
    lane: Mapped[str] = mapped_column(Text, nullable=False)
    stage: Mapped[str | None] = mapped_column(Text)
    action_key: Mapped[str] = mapped_column(Text, nullable=False)
    action_text: Mapped[str] = mapped_column(Text, nullable=False)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column(
        "metadata", JSONType, server_default=text("'{}'"), default=dict
    )
    is_active: Mapped[bool | None] = mapped_column(Boolean, server_default=text("true"), default=True)
    created_at: Mapped[datetime | None] = _now()

    __table_args__ = (UniqueConstraint("lane", "action_key"),)


class FitSignal(Base):
    """fit_signals: a product's trigger pain, described in the contact's words."""

    __tablename__ = "fit_signals"

    id: Mapped[uuid.UUID] = _uuid_pk()
    product: Mapped[str] = mapped_column(Text, nullable=False)
    signal_key: Mapped[str] = mapped_column(Text, nullable=False)
    signal_description: Mapped[str] = mapped_column(Text, nullable=False)
    offer_template: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool | None] = mapped_column(Boolean, server_default=text("true"), default=True)
    created_at: Mapped[datetime | None] = _now()

    __table_args__ = (UniqueConstraint("product", "signal_key"),)


class OutreachItem(Base):
    """outreach_queue: one message to send, its status and outcome."""

    __tablename__ = "outreach_queue"

    id: Mapped[uuid.UUID] = _uuid_pk()
    contact_id: Mapped[uuid.UUID | None] = _fk("instagram_contacts.id", cascade=False)
    username: Mapped[str] = mapped_column(Text, nullable=False)
    message_text: Mapped[str] = mapped_column(Text, nullable=False)
    priority: Mapped[int | None] = mapped_column(Integer, server_default=text("5"), default=5)
    status: Mapped[str | None] = mapped_column(Text, server_default=text("'pending'"), default="pending")
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime | None] = _now()

    __table_args__ = (
        Index("idx_outreach_status", "status"),
        Index("idx_outreach_scheduled", "scheduled_at"),
    )


SEED_TABLES = (
    "instagram_contacts",
    "instagram_conversations",
    "instagram_messages",
    "automation_patterns",
    "next_best_actions",
    "fit_signals",
    "outreach_queue",
)

# ---------------------------------------------------------------------------------------------------------
# EverReach's own tables (additive; the seed tables stay exactly as specified)
# ---------------------------------------------------------------------------------------------------------


class StageChange(Base):
    """stage_history: every stage change of a contact, with its reason and source (auto or user)."""

    __tablename__ = "stage_history"

    id: Mapped[uuid.UUID] = _uuid_pk()
    contact_id: Mapped[uuid.UUID] = _fk("instagram_contacts.id", nullable=False)
    from_stage: Mapped[str | None] = mapped_column(Text)
    to_stage: Mapped[str] = mapped_column(Text, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    source: Mapped[str] = mapped_column(Text, nullable=False, server_default=text("'auto'"), default="auto")
    changed_at: Mapped[datetime] = _now(nullable=False)

    __table_args__ = (Index("idx_stage_history_contact", "contact_id", "changed_at"),)


class RelationshipEvent(Base):
    """relationship_events: consent events, purchases, template use and other dated facts about a contact."""

    __tablename__ = "relationship_events"

    id: Mapped[uuid.UUID] = _uuid_pk()
    contact_id: Mapped[uuid.UUID] = _fk("instagram_contacts.id", nullable=False)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    detail: Mapped[str | None] = mapped_column(Text)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column(
        "metadata", JSONType, server_default=text("'{}'"), default=dict
    )
    occurred_at: Mapped[datetime] = _now(nullable=False)
    created_at: Mapped[datetime | None] = _now()

    __table_args__ = (Index("idx_relationship_events_contact", "contact_id", "kind"),)


class FitSignalPhrase(Base):
    """fit_signal_phrases: extra trigger phrases of a fit signal, beside its description."""

    __tablename__ = "fit_signal_phrases"

    id: Mapped[uuid.UUID] = _uuid_pk()
    fit_signal_id: Mapped[uuid.UUID] = _fk("fit_signals.id", nullable=False)
    phrase: Mapped[str] = mapped_column(Text, nullable=False)

    __table_args__ = (UniqueConstraint("fit_signal_id", "phrase"),)


class FitSignalMatch(Base):
    """fit_signal_matches: an inbound message that matched a fit signal."""

    __tablename__ = "fit_signal_matches"

    id: Mapped[uuid.UUID] = _uuid_pk()
    contact_id: Mapped[uuid.UUID] = _fk("instagram_contacts.id", nullable=False)
    fit_signal_id: Mapped[uuid.UUID] = _fk("fit_signals.id", nullable=False)
    message_id: Mapped[uuid.UUID] = _fk("instagram_messages.id", nullable=False)
    matched_phrase: Mapped[str] = mapped_column(Text, nullable=False)
    similarity: Mapped[float] = mapped_column(Float, nullable=False)
    matched_on: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    created_at: Mapped[datetime | None] = _now()

    __table_args__ = (
        UniqueConstraint("fit_signal_id", "message_id"),
        Index("idx_fit_signal_matches_contact", "contact_id"),
    )


class ContactIdentity(Base):
    """contact_identities: external ids of a contact (e.g. an Instagram-scoped id for the Graph API)."""

    __tablename__ = "contact_identities"

    id: Mapped[uuid.UUID] = _uuid_pk()
    contact_id: Mapped[uuid.UUID] = _fk("instagram_contacts.id", nullable=False)
    provider: Mapped[str] = mapped_column(Text, nullable=False)
    external_id: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime | None] = _now()

    __table_args__ = (
        UniqueConstraint("provider", "external_id"),
        Index("idx_contact_identities_contact", "contact_id"),
    )


class MessageExternalId(Base):
    """message_external_ids: a provider's message id (e.g. a webhook `mid`), so a message is stored once."""

    __tablename__ = "message_external_ids"

    external_id: Mapped[str] = mapped_column(Text, primary_key=True)
    message_id: Mapped[uuid.UUID] = _fk("instagram_messages.id", nullable=False)
    provider: Mapped[str] = mapped_column(Text, nullable=False, server_default=text("'instagram'"))

    __table_args__ = (Index("idx_message_external_ids_message", "message_id"),)


class OutreachAttempt(Base):
    """outreach_attempts: each claim of a queue row by a worker, and how it ended."""

    __tablename__ = "outreach_attempts"

    id: Mapped[uuid.UUID] = _uuid_pk()
    queue_id: Mapped[uuid.UUID] = _fk("outreach_queue.id", nullable=False)
    worker_id: Mapped[str] = mapped_column(Text, nullable=False)
    sender: Mapped[str] = mapped_column(Text, nullable=False)
    claimed_at: Mapped[datetime] = _now(nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("idx_outreach_attempts_queue", "queue_id"),
        Index("idx_outreach_attempts_claimed", "claimed_at"),
    )


# The derived and bookkeeping tables (kept by triggers and recompute), the v2 tables, and the tables and indexes
# of the dashboard's reads live in their own modules on the same Base; importing them here registers them
# wherever the models are loaded (migrations, tests, backups).
from everreach.db import models_dashboard, models_derived, models_v2  # noqa: E402, F401
