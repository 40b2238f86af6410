"""Derived and bookkeeping tables: what recompute and the triggers keep beside the contacts (offer-ready
contacts, the score-ordered ranks, contacts to rescore, recompute marks, fit-signal scan progress).

Registered on the same `Base` as models.py (which imports this module at its end). Each table has one owner
module in `relationship/` with a rebuild.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, PrimaryKeyConstraint, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from everreach.db.models import Base, _now
from everreach.db.types import UTCDateTime


class OfferReadyContact(Base):
    """offer_ready_contacts: contacts in the offer lane (offer stage, trust or consent, 3:1 met) as of their
    last recompute, so the weekly tasks and the lane filter need not re-derive it from every offer-stage row."""

    __tablename__ = "offer_ready_contacts"

    contact_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("instagram_contacts.id", ondelete="CASCADE"), primary_key=True
    )
    marked_at: Mapped[datetime] = _now(nullable=False)


class ContactRank(Base):
    """contact_ranks: every contact in the order the weekly tasks and attention walk (score high to low, ties by
    id), with the two things they filter on, so a walk reads this one compact tree and never the contact rows.

    `minus_score` is minus relationship_score (1 when it is NULL), so plain ascending key order is best first
    on both engines. Database triggers on instagram_contacts keep the table in step with every writer;
    a full recompute pauses them and rebuilds it in one statement (relationship/ranks.py).
    """

    __tablename__ = "contact_ranks"

    minus_score: Mapped[int] = mapped_column(Integer)
    contact_id: Mapped[uuid.UUID] = mapped_column(Uuid())
    last_meaningful_touch: Mapped[datetime | None] = mapped_column(UTCDateTime())
    is_spam: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (
        PrimaryKeyConstraint("minus_score", "contact_id", postgresql_include=["last_meaningful_touch", "is_spam"]),
        {"sqlite_with_rowid": False},
    )


class ContactToRescore(Base):
    """contacts_to_rescore: contacts that are new or whose messages changed since the last full recompute,
    marked by triggers on instagram_contacts and instagram_messages; the next full recompute re-reads their
    messages and takes the marks (relationship/incremental.py)."""

    __tablename__ = "contacts_to_rescore"

    contact_id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)

    __table_args__ = ({"sqlite_with_rowid": False},)


class RecomputeMark(Base):
    """recompute_marks: the instant a full recompute scored every contact at, and a fingerprint of the rules
    it used, so the next one knows which stored message facts still hold."""

    __tablename__ = "recompute_marks"

    name: Mapped[str] = mapped_column(Text, primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    rules: Mapped[str] = mapped_column(Text, nullable=False)


class FitSignalScan(Base):
    """fit_signal_scans: the created_at up to which messages were scanned for fit signals, per signal set."""

    __tablename__ = "fit_signal_scans"

    name: Mapped[str] = mapped_column(Text, primary_key=True)
    scanned_through: Mapped[datetime | None] = mapped_column(UTCDateTime())
    fingerprint: Mapped[str] = mapped_column(Text, nullable=False)
    updated_at: Mapped[datetime | None] = _now()
