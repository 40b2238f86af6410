"""Store webhook events: contacts by Instagram-scoped id, messages once per `mid`, deletions, reactions, reads.

The features of the messages a notification writes or empties are stored once for the whole notification
(one classify call), before the touched contacts are scored again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import and_, delete, select, update
from sqlalchemy.orm import Session

from everreach.contacts.identity import INSTAGRAM as PROVIDER
from everreach.contacts.usernames import placeholder_username
from everreach.db.models import Contact, ContactIdentity, Conversation, Message, MessageExternalId
from everreach.messages.featurestore import messages_by_id, store_features
from everreach.messages.webhook_payload import ParsedEvent, event_time, message_content
from everreach.messages.writer.one import link_external_id, refresh_contacts, write_message

# An echo of a message our own worker sent is the same message: matched by text within this window.
ECHO_MATCH_WINDOW = timedelta(minutes=15)
# An event without a (usable) timestamp is stored at the time it arrived; one with the same text at that
# instant is a different message, moved on by this step until its (contact, text, instant) is free.
UNTIMED_STEP = timedelta(microseconds=1)
_NO_TIME = datetime(1, 1, 1, tzinfo=UTC)


class WebhookResult(BaseModel):
    """What one notification did."""

    stored: int = 0
    duplicates: int = 0
    deleted: int = 0
    reactions: int = 0
    reads: int = 0
    ignored: int = 0
    contacts_created: int = 0


def store_events(session: Session, events: list[ParsedEvent], *, ignored: int = 0) -> WebhookResult:
    """Apply parsed webhook events to the database (the caller commits)."""
    result = WebhookResult(ignored=ignored)
    if not events:
        return result
    contacts = _resolve_contacts(session, {e.igsid for e in events}, result)
    known = _known_mids(session, [_mid(e) for e in events])
    touched: set[uuid.UUID] = set()
    written: list[uuid.UUID] = []  # messages whose features to store: new ones and emptied ones
    for ev in sorted(events, key=lambda e: e.at):
        contact_id = contacts[ev.igsid]
        if ev.kind == "message":
            if _store_message(session, ev, contact_id, known, result):
                touched.add(contact_id)
                written.append(known[_mid(ev)])
        elif ev.kind == "delete":
            deleted = known.get(_mid(ev))
            if deleted is not None and _delete_message(session, deleted):
                result.deleted += 1
                touched.add(contact_id)
                written.append(deleted)
            else:
                result.ignored += 1
        elif ev.kind == "reaction":
            result.reactions += _react(session, ev, known.get(_mid(ev)))
        else:
            result.reads += _read(session, ev, known.get(_mid(ev)))
    session.flush()
    store_features(session, messages_by_id(session, written))
    refresh_contacts(session, contact_ids=touched)
    return result


def _mid(ev: ParsedEvent) -> str:
    part = ev.event.message or ev.event.reaction or ev.event.read
    assert part is not None
    return part.mid


def _resolve_contacts(session: Session, igsids: set[str], result: WebhookResult) -> dict[str, uuid.UUID]:
    rows = session.execute(
        select(ContactIdentity.external_id, ContactIdentity.contact_id).where(
            ContactIdentity.provider == PROVIDER, ContactIdentity.external_id.in_(igsids)
        )
    ).all()
    found: dict[str, uuid.UUID] = dict(rows)
    for igsid in sorted(igsids - found.keys()):
        username = placeholder_username(igsid)
        contact_id = session.scalar(select(Contact.id).where(Contact.instagram_username == username))
        if contact_id is None:
            contact = Contact(instagram_username=username, tags=[])
            session.add(contact)
            session.flush()
            contact_id = contact.id
            result.contacts_created += 1
        session.add(ContactIdentity(contact_id=contact_id, provider=PROVIDER, external_id=igsid))
        found[igsid] = contact_id
    session.flush()
    return found


def _known_mids(session: Session, mids: Iterable[str]) -> dict[str, uuid.UUID]:
    unique = list(set(mids))
    known: dict[str, uuid.UUID] = {}
    for start in range(0, len(unique), 500):
        chunk = unique[start : start + 500]
        rows = session.execute(
            select(MessageExternalId.external_id, MessageExternalId.message_id).where(
                MessageExternalId.external_id.in_(chunk)
            )
        ).all()
        known.update(dict(rows))
    return known


def _conversation(session: Session, contact_id: uuid.UUID, igsid: str) -> uuid.UUID:
    conv_id = session.scalar(
        select(Conversation.id).where(Conversation.contact_id == contact_id).order_by(Conversation.created_at)
    )
    if conv_id is None:
        conv = Conversation(contact_id=contact_id, thread_id=igsid, tab="primary")
        session.add(conv)
        session.flush()
        conv_id = conv.id
    return conv_id


def _store_message(
    session: Session, ev: ParsedEvent, contact_id: uuid.UUID, known: dict[str, uuid.UUID], result: WebhookResult
) -> bool:
    part = ev.event.message
    assert part is not None
    if part.mid in known:
        result.duplicates += 1
        return False
    message_type, text = message_content(part)
    existing = _existing_copy(session, ev, contact_id, text)
    new_id: uuid.UUID | None = None
    if existing is None:
        untimed = is_untimed(ev)
        at = ev.at
        while True:
            new_id = write_message(
                session,
                contact_id=contact_id,
                conversation_id=_conversation(session, contact_id, ev.igsid),
                text=text,
                message_type=message_type,
                is_outbound=ev.outbound,
                sent_by_automation=False,
                sent_at=at,
                raw_data={"source": "webhook", "mid": part.mid, "event": ev.raw},
                if_new=True,
                features=False,
            )
            if new_id is not None:
                break
            if not untimed:  # the same text at the same instant is already stored (e.g. by an import)
                existing = _existing_copy(session, ev, contact_id, text, exact=True)
                break
            at += UNTIMED_STEP
    target = existing or new_id
    assert target is not None
    linked = link_external_id(session, external_id=part.mid, message_id=target, provider=PROVIDER)
    known[part.mid] = target
    if existing is not None or not linked:
        if not linked and existing is None:  # a concurrent delivery of the same mid won the race
            session.execute(delete(Message).where(Message.id == new_id))
        result.duplicates += 1
        return False
    result.stored += 1
    return True


def is_untimed(ev: ParsedEvent) -> bool:
    """True when the event had no usable timestamp (its time is when it arrived, shared by its batch)."""
    return event_time(ev.event.timestamp, _NO_TIME) is _NO_TIME


def _existing_copy(
    session: Session, ev: ParsedEvent, contact_id: uuid.UUID, text: str, *, exact: bool = False
) -> uuid.UUID | None:
    """A stored message this event duplicates: same instant and text, or the echo of our own automated send."""
    if exact:
        cond = Message.sent_at == ev.at
    elif ev.outbound:
        cond = and_(
            Message.is_outbound.is_(True),
            Message.sent_at.between(ev.at - ECHO_MATCH_WINDOW, ev.at + ECHO_MATCH_WINDOW),
        )
    else:
        return None
    return session.scalar(
        select(Message.id)
        .where(Message.contact_id == contact_id, Message.message_text == text, cond)
        .order_by(Message.sent_at)
        .limit(1)
    )


def _delete_message(session: Session, message_id: uuid.UUID | None) -> bool:
    """Forget a message the sender unsent: keep the row (history, counts) but drop its content."""
    if message_id is None:
        return False
    session.execute(
        update(Message)
        .where(Message.id == message_id)
        .values(message_text="", message_type="deleted", raw_data={"source": "webhook", "is_deleted": True})
    )
    return True


def _with_raw(session: Session, message_id: uuid.UUID, change: dict[str, Any]) -> None:
    raw = dict(session.scalar(select(Message.raw_data).where(Message.id == message_id)) or {})
    raw.update(change)
    session.execute(update(Message).where(Message.id == message_id).values(raw_data=raw))


def _react(session: Session, ev: ParsedEvent, message_id: uuid.UUID | None) -> int:
    part = ev.event.reaction
    if part is None or message_id is None:
        return 0
    raw = session.scalar(select(Message.raw_data).where(Message.id == message_id)) or {}
    by = "me" if ev.outbound else ev.igsid
    # Instagram allows one reaction per person per message: a new one replaces the old.
    reactions = [r for r in raw.get("reactions", []) if isinstance(r, dict) and r.get("by") != by]
    if part.action != "unreact":
        reactions.append({"by": by, "emoji": part.emoji, "reaction": part.reaction, "at": ev.at.isoformat()})
    _with_raw(session, message_id, {"reactions": reactions})
    return 1


def _read(session: Session, ev: ParsedEvent, message_id: uuid.UUID | None) -> int:
    if message_id is None:
        return 0
    _with_raw(session, message_id, {"read_at": ev.at.isoformat()})
    return 1
