"""Pydantic I/O shapes of the outreach queue (kept apart from the ORM models)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from everreach.db.models import OutreachItem


class QueueItemCreate(BaseModel):
    """What a caller gives to queue one message."""

    username: str
    text: str
    at: datetime | None = None
    priority: int = Field(default=5, ge=1, le=10)
    force: bool = False  # queue even when the contact already has an open message


class QueueItemRead(BaseModel):
    """One queue row as shown to users; `next_attempt_at` is set for rows still waiting to be sent."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    contact_id: uuid.UUID | None
    username: str
    message_text: str
    priority: int
    status: str
    scheduled_at: datetime | None
    sent_at: datetime | None
    error: str | None
    created_at: datetime | None
    next_attempt_at: datetime | None = None

    @classmethod
    def of(cls, item: OutreachItem, *, next_attempt_at: datetime | None = None) -> QueueItemRead:
        """Build from an ORM row."""
        return cls(
            id=item.id,
            contact_id=item.contact_id,
            username=item.username,
            message_text=item.message_text,
            priority=item.priority if item.priority is not None else 5,
            status=item.status or "pending",
            scheduled_at=item.scheduled_at,
            sent_at=item.sent_at,
            error=item.error,
            created_at=item.created_at,
            next_attempt_at=next_attempt_at,
        )


class PacingRead(BaseModel):
    """Where the pacing stands: the next allowed automated send, why, and the counts behind it."""

    next_allowed_send: datetime
    reasons: list[str]
    sent_last_hour: int
    sent_today: int
    hourly_cap: int
    daily_cap: int
    timezone: str
    active_hours: str


class QueueListing(BaseModel):
    """A page of the queue with the pacing status and the number of rows in each status."""

    items: list[QueueItemRead]
    counts: dict[str, int]
    next_allowed_send: datetime
    pacing: PacingRead


class NextActionQueued(BaseModel):
    """The queue row created from a contact's next best action, and which template it used."""

    item: QueueItemRead
    action_key: str
    lane: str
    reason: str | None = None
