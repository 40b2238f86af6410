"""The outreach queue service: add, list, cancel, retry, and the pacing status (DESIGN.md §4).

States: pending, scheduled (a future `scheduled_at`), sending (claimed by a worker), sent, failed,
cancelled. Only the worker moves rows to sending/sent; only the user moves failed rows back to pending.
"""

from __future__ import annotations

import unicodedata
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, case, cast, func, select, update
from sqlalchemy.orm import Session

from everreach.config import get_settings
from everreach.contacts.lookup import get_contact
from everreach.contacts.spam import is_spam
from everreach.db.models import QUEUE_STATUSES, Contact, OutreachItem
from everreach.errors import ConflictError, NotFoundError, ValidationError
from everreach.outreach.pacing import (
    GapRandom,
    PacingPolicy,
    cooldown_until,
    load_facts,
    next_attempt_at,
    next_send,
    seeded_gap_random,
)
from everreach.outreach.schemas import NextActionQueued, PacingRead, QueueItemRead, QueueListing
from everreach.outreach.senders import sender_class
from everreach.relationship.queries import next_best_actions
from everreach.relationship.service import record_template_used

OPEN_STATUSES = ("pending", "scheduled")
CANCELLABLE = ("pending", "scheduled", "failed")
DEFAULT_LIMIT = 100
# One open message per contact (DESIGN.md §4): a row in any of these states blocks a second unless forced.
BLOCKING_STATUSES = ("pending", "scheduled", "sending")


class OpenMessageExists(ConflictError):
    """The contact already has a message waiting or being sent; queue another only with force."""

    def __init__(self, username: str, item: OutreachItem) -> None:
        self.username = username
        self.item_id = item.id
        state = {"pending": "waiting to be sent", "scheduled": "scheduled", "sending": "being sent"}
        super().__init__(
            f"@{username} already has a message {state.get(item.status or 'pending', 'queued')} "
            f"(queue item {item.id.hex[:8]}): cancel it first, or force a second one"
        )


def open_message(session: Session, *, contact_id: uuid.UUID) -> OutreachItem | None:
    """The contact's oldest open (pending, scheduled or sending) queue row, if any."""
    stmt = (
        select(OutreachItem)
        .where(OutreachItem.contact_id == contact_id, OutreachItem.status.in_(BLOCKING_STATUSES))
        .order_by(OutreachItem.created_at, OutreachItem.id)
        .limit(1)
    )
    return session.scalar(stmt)


def _refuse_second(session: Session, contact: Contact, *, force: bool) -> None:
    if force:
        return
    existing = open_message(session, contact_id=contact.id)
    if existing is not None:
        raise OpenMessageExists(contact.instagram_username, existing)


#: Characters that draw nothing: Unicode spaces and separators, format controls (zero-width, direction marks,
#: byte-order mark), other controls; plus the Hangul fillers and the blank braille pattern, which are letters
#: and symbols by category but show as blank space.
INVISIBLE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cf", "Cc"})
INVISIBLE_CHARACTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def utcnow() -> datetime:
    """The real clock (services take `now=` so tests can pass their own)."""
    return datetime.now(UTC)


def _aware(when: datetime) -> datetime:
    """Naive times are the user's local time (EVERREACH_TIMEZONE)."""
    try:
        if when.tzinfo is None:
            return when.replace(tzinfo=PacingPolicy.from_settings(get_settings()).tz).astimezone(UTC)
        return when.astimezone(UTC)
    except OverflowError:
        raise ValidationError(f"send time {when.isoformat()} is too far in the future") from None


def has_visible_text(text: str) -> bool:
    """True when some character of the text draws something (not only spaces or zero-width characters)."""
    return any(
        not c.isspace() and c not in INVISIBLE_CHARACTERS and unicodedata.category(c) not in INVISIBLE_CATEGORIES
        for c in text
    )


def check_text(text: str, *, sender: str | None = None) -> str:
    """The text to queue, stripped; refused when empty or over the configured sender's limit."""
    cleaned = text.strip()
    if not has_visible_text(cleaned):
        raise ValidationError("message text is empty: it has no visible characters")
    name = sender or get_settings().sender
    problem = sender_class(name).check_text(cleaned)
    if problem:
        raise ValidationError(f"message too long for the {name} sender: {problem}")
    return cleaned


def add_to_queue(
    session: Session,
    *,
    username: str,
    text: str,
    at: datetime | None = None,
    priority: int = 5,
    now: datetime | None = None,
    force: bool = False,
) -> QueueItemRead:
    """Queue one message to a contact (scheduled when `at` is in the future); refuses spam contacts.

    A contact with an open message (pending, scheduled or sending) gets no second one unless `force`
    (OpenMessageExists otherwise).
    """
    now = now or utcnow()
    contact = get_contact(session, username=username)
    if is_spam(contact):
        raise ValidationError(f"@{contact.instagram_username} is flagged as spam: not queued")
    cleaned = check_text(text)
    _refuse_second(session, contact, force=force)
    if not 1 <= priority <= 10:
        raise ValidationError(f"priority must be between 1 and 10 (higher is sent first), not {priority}")
    when = _aware(at) if at is not None else None
    future = when is not None and when > now
    item = OutreachItem(
        id=uuid.uuid4(),
        contact_id=contact.id,
        username=contact.instagram_username,
        message_text=cleaned,
        priority=priority,
        status="scheduled" if future else "pending",
        scheduled_at=when if future else None,
        created_at=now,
    )
    session.add(item)
    session.flush()
    return QueueItemRead.of(item)


def add_next_best_action(
    session: Session, *, username: str, now: datetime | None = None, force: bool = False
) -> NextActionQueued:
    """Queue the contact's top next best action (its filled template) and record the template as used."""
    now = now or utcnow()
    contact = get_contact(session, username=username)
    if is_spam(contact):
        raise ValidationError(f"@{contact.instagram_username} is flagged as spam: not queued")
    _refuse_second(session, contact, force=force)
    suggestions = next_best_actions(session, username=contact.instagram_username, now=now, even_if_waiting=force)
    if not suggestions.actions:
        raise NotFoundError(
            f"no next best action for @{contact.instagram_username}: every {suggestions.lane} template "
            "was used in the last 30 days or needs context the card lacks"
        )
    best = suggestions.actions[0]
    item = add_to_queue(session, username=contact.instagram_username, text=best.text, now=now, force=True)
    record_template_used(
        session, username=contact.instagram_username, lane=best.lane, action_key=best.action_key, now=now
    )
    return NextActionQueued(item=item, action_key=best.action_key, lane=best.lane, reason=best.reason)


def resolve_item(session: Session, item_id: uuid.UUID | str) -> OutreachItem:
    """A queue row by id, or by a unique prefix of its hex id (at least 4 characters)."""
    if isinstance(item_id, uuid.UUID):
        item = session.get(OutreachItem, item_id)
        if item is None:
            raise NotFoundError(f"no queue item {item_id.hex}")
        return item
    raw = item_id.strip().lower().replace("-", "")
    try:
        return resolve_item(session, uuid.UUID(raw))
    except ValueError:
        pass
    if len(raw) < 4 or any(c not in "0123456789abcdef" for c in raw):
        raise ValidationError(f"invalid queue item id {item_id!r}: give the id or at least its first 4 characters")
    hex_id = func.replace(cast(OutreachItem.id, String), "-", "")
    matches = session.scalars(select(OutreachItem).where(hex_id.like(f"{raw}%")).limit(2)).all()
    if not matches:
        raise NotFoundError(f"no queue item {raw}")
    if len(matches) > 1:
        raise ValidationError(f"queue item id {raw!r} is ambiguous: give more characters")
    return matches[0]


def _transition(session: Session, item: OutreachItem, *, allowed: tuple[str, ...], values: dict[str, Any]) -> None:
    # Conditional UPDATE: if a worker claimed the row meanwhile, nothing changes and the user is told.
    result = session.execute(
        update(OutreachItem)
        .where(OutreachItem.id == item.id, OutreachItem.status.in_(allowed))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(item)
    if getattr(result, "rowcount", 0) != 1:
        raise ValidationError(
            f"queue item {item.id.hex[:8]} is {item.status}: only {', '.join(allowed)} rows can be changed"
        )


def cancel(session: Session, *, item_id: uuid.UUID | str) -> QueueItemRead:
    """Cancel a row that is not sent or being sent."""
    item = resolve_item(session, item_id)
    _transition(session, item, allowed=CANCELLABLE, values={"status": "cancelled"})
    return QueueItemRead.of(item)


def retry(session: Session, *, item_id: uuid.UUID | str) -> QueueItemRead:
    """Put a failed row back to pending (the user's decision; the worker never does this by itself)."""
    item = resolve_item(session, item_id)
    _transition(session, item, allowed=("failed",), values={"status": "pending", "error": None, "scheduled_at": None})
    return QueueItemRead.of(item)


def pacing_status(session: Session, *, now: datetime | None = None, rng: GapRandom = seeded_gap_random) -> PacingRead:
    """The next allowed automated send, the rules that set it, and the counts behind them."""
    now = now or utcnow()
    policy = PacingPolicy.from_settings(get_settings())
    facts = load_facts(session, policy, now=now)
    nxt = next_send(policy, facts, now=now, rng=rng)
    return PacingRead(
        next_allowed_send=nxt.at,
        reasons=list(nxt.reasons),
        sent_last_hour=facts.sent_last_hour,
        sent_today=facts.sent_today,
        hourly_cap=policy.hourly_cap,
        daily_cap=policy.daily_cap,
        timezone=policy.tz.key,
        active_hours=policy.active_hours,
    )


def next_allowed_send(session: Session, *, now: datetime | None = None) -> datetime:
    """The earliest time the pacing allows the next automated send (ignoring per-contact cooldowns)."""
    return pacing_status(session, now=now).next_allowed_send


def list_queue(
    session: Session, *, status: str | None = None, limit: int = DEFAULT_LIMIT, now: datetime | None = None
) -> QueueListing:
    """Rows in send order (waiting ones first, each with its next attempt time), then the finished ones."""
    now = now or utcnow()
    if status is not None and status not in QUEUE_STATUSES:
        raise ValidationError(f"unknown status {status!r}: choose one of {', '.join(QUEUE_STATUSES)}")
    waiting_first = case((OutreachItem.status.in_(("sending", *OPEN_STATUSES)), 0), else_=1)
    query = select(OutreachItem).order_by(
        waiting_first,
        case((OutreachItem.status.in_(("sending", *OPEN_STATUSES)), -func.coalesce(OutreachItem.priority, 5)), else_=0),
        func.coalesce(OutreachItem.scheduled_at, OutreachItem.sent_at, OutreachItem.created_at),
        OutreachItem.created_at,
        OutreachItem.id,
    )
    if status is not None:
        query = query.where(OutreachItem.status == status)
    rows = list(session.scalars(query.limit(max(limit, 0))))
    pacing = pacing_status(session, now=now)
    policy = PacingPolicy.from_settings(get_settings())
    waiting = [r for r in rows if r.status in OPEN_STATUSES]
    cooling = cooldown_until(session, policy, [r.contact_id for r in waiting if r.contact_id], now=now)
    items = []
    for row in rows:
        next_at = None
        if row.status in OPEN_STATUSES:
            cooling_end = cooling.get(row.contact_id) if row.contact_id else None
            allowed = pacing.next_allowed_send
            next_at = next_attempt_at(
                policy, allowed=allowed, scheduled_at=row.scheduled_at, cooling_end=cooling_end, now=now
            )
        items.append(QueueItemRead.of(row, next_attempt_at=next_at))
    # Waiting rows in the order the worker will take them: by when each may go, then priority (SQL order).
    rank = {"sending": 0, "pending": 1, "scheduled": 1}
    items.sort(key=lambda i: (rank.get(i.status, 2), i.next_attempt_at or now) if i.status in rank else (2, now))
    counts = dict.fromkeys(QUEUE_STATUSES, 0)
    for state, count in session.execute(select(OutreachItem.status, func.count()).group_by(OutreachItem.status)):
        counts[state or "pending"] = counts.get(state or "pending", 0) + count
    return QueueListing(items=items, counts=counts, next_allowed_send=pacing.next_allowed_send, pacing=pacing)
