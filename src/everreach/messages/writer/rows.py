"""Message rows in the stored form of each engine, shared by both lanes of the writer: ids, times, previews.

Also the importer's in-memory state (contacts, conversations, prepared threads) and the preparation of a
thread's rows, the per-message work of the bulk lane, kept free of objects it does not need.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from everreach.messages.limits import fit_text
from everreach.relationship.touch import is_meaningful

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: The conversation preview: the first characters of its newest message, for every writer.
PREVIEW_CHARS = 200
_NAIVE_EPOCH = datetime(1970, 1, 1)


def ms_to_datetime(ms: int) -> datetime:
    """Milliseconds since the epoch -> aware UTC datetime (exact, no float rounding)."""
    return EPOCH + timedelta(milliseconds=ms)


def ms_to_sqlite(ms: int) -> str:
    """Milliseconds since the epoch -> the text UTCDateTime stores on SQLite (same as `sqlite_timestamp`)."""
    return (_NAIVE_EPOCH + timedelta(milliseconds=ms)).isoformat(" ", "microseconds")


def uuid4_hex() -> str:
    """A random (version 4) UUID as 32 hex digits, without building a uuid.UUID (hot path)."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    return raw.hex()


@dataclass(slots=True)
class ContactState:
    """What the importer knows about a contact during a run."""

    id: Any
    display_name: str | None
    tags: list[str] | None
    new: bool = False
    # Statistics are tracked in memory only for contacts this run created (nothing else wrote to them).
    stats_known: bool = False
    sent: int = 0
    received: int = 0
    last_touch: datetime | None = None
    dirty: bool = False
    got_messages: bool = False


@dataclass(slots=True)
class ConversationState:
    """A conversation's id and its newest message time."""

    id: Any
    last_at: datetime | None
    new: bool = False


@dataclass(slots=True)
class PendingThread:
    """A thread's prepared rows, waiting for the batch to be written."""

    contact: ContactState
    conversation: ConversationState
    rows: list[tuple[Any, ...]]
    outbound_flags: list[bool]
    meaningful: list[bool]
    sent_at: list[int]
    last_preview: tuple[datetime, str, bool] | None
    tab: str
    is_archived: bool


@dataclass
class BatchResult:
    """Counts of one written batch."""

    new_messages: int = 0
    duplicates: int = 0
    updated_contacts: set[Any] = field(default_factory=set)


def preview(text: str) -> str:
    """The conversation preview of a message text."""
    return text[:PREVIEW_CHARS]


def prepare_rows(
    contact: ContactState, conversation: ConversationState, messages: list[Any], outbound: list[bool], *, sqlite: bool
) -> PendingThread:
    """Rows in the engine's stored form, plus what statistics need (direction, meaningful, time)."""
    rows: list[tuple[Any, ...]] = []
    meaningful: list[bool] = []
    times: list[int] = []
    # COPY takes text, so PostgreSQL rows carry hex ids and ISO times too; SQLite stores exactly these.
    conv_id, contact_id = str(conversation.id), str(contact.id)
    if sqlite:
        conv_id, contact_id = conversation.id, contact.id
    dumps = json.dumps
    for msg, out in zip(messages, outbound, strict=True):
        text, cut = fit_text(msg.text)  # import cut it already (and counted it); a synced message may be long
        if cut:
            msg.raw = {**(msg.raw or {}), "full_text": msg.text}
            msg.text = text
        ms = msg.timestamp_ms
        raw = dumps(msg.raw, ensure_ascii=False) if msg.raw else None
        sent: Any = ms_to_sqlite(ms) if sqlite else ms_to_datetime(ms)
        rows.append((uuid4_hex(), conv_id, contact_id, msg.text, msg.message_type, out, sent, raw))
        meaningful.append(
            not out
            or is_meaningful(text=msg.text, is_outbound=out, sent_by_automation=False, message_type=msg.message_type)
        )
        times.append(ms)
    last = None
    if messages:
        latest = max(range(len(messages)), key=lambda i: messages[i].timestamp_ms)
        last = (ms_to_datetime(times[latest]), preview(messages[latest].text), outbound[latest])
    return PendingThread(contact, conversation, rows, list(outbound), meaningful, times, last, "primary", False)
