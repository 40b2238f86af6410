"""Outreach queue routes: list (with pacing), add, queue the next best action, cancel, retry."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Path, Query
from pydantic import BaseModel, Field

from everreach.http import routes
from everreach.http.deps import DbSession
from everreach.outreach import queue
from everreach.outreach.schemas import NextActionQueued, QueueItemCreate, QueueItemRead, QueueListing

router = routes.router(prefix="/queue", tags=["queue"])
QueueStatus = Literal["pending", "scheduled", "sending", "sent", "failed", "cancelled"]
ItemId = Annotated[str, Path(min_length=4, max_length=40, description="Queue row id (or a unique prefix).")]


class QueueNext(BaseModel):
    """Whose next best action to queue."""

    username: str = Field(min_length=1, max_length=100)
    force: bool = False


@router.get("", response_model=QueueListing)
def list_queue(
    session: DbSession,
    status: QueueStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> QueueListing:
    """Queue rows in send order with the next allowed send time and pacing counts."""
    return queue.list_queue(session, status=status, limit=limit)


@router.post("", response_model=QueueItemRead, status_code=201)
def add(session: DbSession, data: QueueItemCreate) -> QueueItemRead:
    """Queue a message to a contact (refused for spam contacts, empty or too long text; 409 when one is open)."""
    return queue.add_to_queue(
        session, username=data.username, text=data.text, at=data.at, priority=data.priority, force=data.force
    )


@router.post("/next", response_model=NextActionQueued, status_code=201)
def add_next(session: DbSession, data: QueueNext) -> NextActionQueued:
    """Queue the contact's top next best action."""
    return queue.add_next_best_action(session, username=data.username, force=data.force)


@router.post("/{item_id}/cancel", response_model=QueueItemRead)
def cancel(session: DbSession, item_id: ItemId) -> QueueItemRead:
    """Cancel a row that is not sent or being sent."""
    return queue.cancel(session, item_id=item_id)


@router.post("/{item_id}/retry", response_model=QueueItemRead)
def retry(session: DbSession, item_id: ItemId) -> QueueItemRead:
    """Put a failed row back to pending."""
    return queue.retry(session, item_id=item_id)
