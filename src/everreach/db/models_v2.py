"""Tables of the relationship model v2 (issue 14): stored per-message features and the user's evidence verdicts.

Registered on the same `Base` as models.py (which imports this module at its end), so migrations, tests and
backups see them wherever the models are loaded.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, Text, UniqueConstraint, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from everreach.db.models import Base
from everreach.db.types import JSONType, UTCDateTime

VERDICTS = ("dismissed", "confirmed")


class MessageFeature(Base):
    """message_features: what the message writer read in one message (direction, features, intents, signals).

    One row per message, written in the same transaction as the message. `model_key` is the classifier's
    definitions key when the row was computed ('' once the message's text, type or direction changed), so
    `everreach features rebuild --stale` finds the rows to compute again. Triggers on instagram_messages keep
    contact_id and sent_at equal to the message's.
    """

    __tablename__ = "message_features"

    message_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("instagram_messages.id", ondelete="CASCADE"), primary_key=True
    )
    contact_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("instagram_contacts.id", ondelete="CASCADE"), nullable=False
    )
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    is_outbound: Mapped[bool] = mapped_column(Boolean, nullable=False)
    automated: Mapped[bool] = mapped_column(Boolean, nullable=False)
    meaningful: Mapped[bool] = mapped_column(Boolean, nullable=False)
    length: Mapped[int] = mapped_column(Integer, nullable=False)
    question: Mapped[bool] = mapped_column(Boolean, nullable=False)
    self_disclosure: Mapped[bool] = mapped_column(Boolean, nullable=False)
    emotion: Mapped[bool] = mapped_column(Boolean, nullable=False)
    intents: Mapped[list[str]] = mapped_column(JSONType, nullable=False)
    fit_signals: Mapped[list[str]] = mapped_column(JSONType, nullable=False)
    excerpt: Mapped[str] = mapped_column(Text, nullable=False)
    model_key: Mapped[str] = mapped_column(Text, nullable=False)

    __table_args__ = (Index("idx_message_features_contact_sent", "contact_id", "sent_at"),)


class EvidenceReview(Base):
    """evidence_reviews: the user's verdict on one inferred evidence item ("kind:message id") of a contact."""

    __tablename__ = "evidence_reviews"

    id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), primary_key=True, default=uuid.uuid4, server_default=text("gen_random_uuid()")
    )
    contact_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("instagram_contacts.id", ondelete="CASCADE"), nullable=False
    )
    evidence_id: Mapped[str] = mapped_column(Text, nullable=False)
    verdict: Mapped[str] = mapped_column(Text, nullable=False)
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)

    __table_args__ = (
        UniqueConstraint("contact_id", "evidence_id"),
        CheckConstraint("verdict IN ('dismissed', 'confirmed')", name="verdict"),
    )
