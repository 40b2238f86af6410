"""Queue a suggested message as the user edited it: "queue" (normal priority) or "send now" (top priority, due now)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from everreach.db.models import LANES, OutreachItem
from everreach.outreach.queue import BLOCKING_STATUSES, add_to_queue, utcnow
from everreach.outreach.schemas import QueueItemRead
from everreach.relationship.service import record_template_used

NORMAL_PRIORITY = 5
TOP_PRIORITY = 10


def queue_suggestion(
    session: Session,
    *,
    username: str,
    text: str,
    lane: str | None = None,
    action_key: str | None = None,
    send_now: bool = False,
    force: bool = False,
    now: datetime | None = None,
) -> QueueItemRead:
    """Queue the (possibly edited) text of a suggestion; the template it came from is recorded as used.

    `send_now` queues it at the top priority and due at once (the worker still keeps the pacing rules).
    OpenMessageExists when the contact has an open message and `force` is off.
    """
    now = now or utcnow()
    priority = TOP_PRIORITY if send_now else NORMAL_PRIORITY
    item = add_to_queue(session, username=username, text=text, priority=priority, now=now, force=force)
    if lane in LANES and action_key:
        record_template_used(session, username=item.username, lane=lane, action_key=action_key.strip(), now=now)
    return item


def open_messages(session: Session, *, usernames: list[str]) -> dict[str, OutreachItem]:
    """username -> the oldest open (pending, scheduled or sending) queue row, for those of `usernames` with one."""
    if not usernames:
        return {}
    stmt = (
        select(OutreachItem)
        .where(OutreachItem.username.in_(usernames), OutreachItem.status.in_(BLOCKING_STATUSES))
        .order_by(OutreachItem.created_at.desc(), OutreachItem.id)
    )
    # Newest first, so the oldest row of each contact is the one left in the dict.
    return {row.username: row for row in session.scalars(stmt) if row.username}
