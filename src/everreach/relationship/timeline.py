"""One contact's history in date order: messages, what the user recorded, stage changes and queued sends."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from everreach.contacts.lookup import get_contact
from everreach.db.models import Message, OutreachItem, RelationshipEvent, StageChange

EntryKind = Literal["message", "record", "event", "stage", "send"]
# Template use is shown through the send it queued; the interval through the contact page's own field.
HIDDEN_EVENTS = ("template_used",)
MESSAGE_LIMIT = 200


class TimelineEntry(BaseModel):
    """One dated thing that happened with a contact."""

    kind: EntryKind
    at: datetime | None
    key: str  # what it is: the record kind, event kind, stage, queue state or message type
    text: str = ""
    outbound: bool = False
    automated: bool = False
    source: str = ""
    previous: str | None = None


def _parse(at: Any) -> datetime | None:
    if isinstance(at, datetime):
        return at
    try:
        value = datetime.fromisoformat(str(at))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def timeline(session: Session, *, username: str, limit: int = MESSAGE_LIMIT) -> list[TimelineEntry]:
    """Everything dated about the contact, newest first; the newest `limit` messages."""
    contact = get_contact(session, username=username)
    cid = contact.id
    entries: list[TimelineEntry] = []
    messages = session.execute(
        select(
            Message.sent_at, Message.message_text, Message.is_outbound, Message.message_type, Message.sent_by_automation
        )
        .where(Message.contact_id == cid)
        .order_by(Message.sent_at.desc(), Message.id.desc())
        .limit(limit)
    )
    for at, text, out, mtype, auto in messages:
        entries.append(
            TimelineEntry(
                kind="message", at=at, key=mtype or "text", text=text or "", outbound=bool(out), automated=bool(auto)
            )
        )
    for column in ("value_delivered_log", "trust_signals"):
        for item in getattr(contact, column) or []:
            if isinstance(item, dict):
                entries.append(
                    TimelineEntry(
                        kind="record",
                        at=_parse(item.get("at")),
                        key=str(item.get("kind", "")),
                        text=str(item.get("note") or ""),
                    )
                )
    events = session.execute(
        select(RelationshipEvent.kind, RelationshipEvent.detail, RelationshipEvent.occurred_at).where(
            RelationshipEvent.contact_id == cid, RelationshipEvent.kind.not_in(HIDDEN_EVENTS)
        )
    )
    for kind, detail, at in events:
        entries.append(TimelineEntry(kind="event", at=at, key=kind, text=detail or ""))
    for row in session.scalars(select(StageChange).where(StageChange.contact_id == cid)):
        entries.append(
            TimelineEntry(
                kind="stage",
                at=row.changed_at,
                key=row.to_stage,
                text=row.reason,
                source=row.source,
                previous=row.from_stage,
            )
        )
    # A sent row is in the conversation already, as the message the worker recorded.
    sends = select(OutreachItem).where(OutreachItem.contact_id == cid, OutreachItem.status != "sent")
    for item in session.scalars(sends):
        at = item.sent_at or item.scheduled_at or item.created_at
        entries.append(
            TimelineEntry(
                kind="send",
                at=at,
                key=item.status or "pending",
                text=item.message_text,
                outbound=True,
                source=item.error or "",
            )
        )
    floor = datetime.min.replace(tzinfo=UTC)
    entries.sort(key=lambda e: e.at or floor, reverse=True)
    return entries
