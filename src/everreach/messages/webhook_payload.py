"""Meta's Instagram Messaging webhook payload, parsed leniently: unknown fields and kinds are ignored.

Shape (Meta's documented examples): `{"object": "instagram", "entry": [{"id": <our account id>, "time": ms,
"messaging": [event, ...]}]}`; `standby` carries the same events when another app holds the thread. An event has
`sender.id`, `recipient.id`, `timestamp` (ms) and one of `message` (`mid`, `text`, `attachments`, `is_echo`,
`is_deleted`, `is_unsupported`), `reaction` (`mid`, `action` react|unreact, `reaction`, `emoji`) or `read` (`mid`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

MAX_TEXT = 20_000


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Party(_Lenient):
    """`sender` / `recipient`: an Instagram-scoped id (or our account id)."""

    id: str = Field(min_length=1, max_length=200)


class Attachment(_Lenient):
    """One attachment: image, video, audio, file, share, story_mention, reel, ig_reel, ..."""

    type: str = "attachment"
    payload: dict[str, Any] | None = None


class MessagePart(_Lenient):
    """The `message` object of an event."""

    mid: str = Field(min_length=1, max_length=1000)
    text: str | None = None
    attachments: list[Attachment] | None = None
    is_echo: bool = False
    is_deleted: bool = False
    is_unsupported: bool = False


class ReactionPart(_Lenient):
    """The `reaction` object of an event."""

    mid: str = Field(min_length=1, max_length=1000)
    action: str = "react"
    reaction: str | None = None
    emoji: str | None = None


class ReadPart(_Lenient):
    """The `read` object of an event (Instagram's messaging_seen)."""

    mid: str = Field(min_length=1, max_length=1000)


class Event(_Lenient):
    """One entry of `messaging[]` or `standby[]`."""

    sender: Party
    recipient: Party
    timestamp: int | None = None
    message: MessagePart | None = None
    reaction: ReactionPart | None = None
    read: ReadPart | None = None


@dataclass(frozen=True)
class ParsedEvent:
    """An event we act on, with the counterpart (the contact's Instagram-scoped id) worked out."""

    kind: Literal["message", "delete", "reaction", "read"]
    igsid: str
    outbound: bool
    at: datetime
    event: Event
    raw: dict[str, Any]


def event_time(timestamp: int | None, fallback: datetime) -> datetime:
    """Meta's millisecond timestamp as an aware UTC datetime (the fallback when absent or absurd)."""
    if timestamp is None:
        return fallback
    try:
        return datetime.fromtimestamp(timestamp / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return fallback


def parse_notification(body: Any, *, now: datetime) -> tuple[list[ParsedEvent], int]:
    """The events we act on from a notification body, and how many others were ignored."""
    events: list[ParsedEvent] = []
    ignored = 0
    entries = body.get("entry") if isinstance(body, dict) else None
    if not isinstance(entries, list):
        return events, 0
    for entry in entries:
        if not isinstance(entry, dict):
            ignored += 1
            continue
        owner = str(entry.get("id") or "")
        for field in ("messaging", "standby"):
            items = entry.get(field)
            for raw in items if isinstance(items, list) else []:
                parsed = _parse_event(raw, owner=owner, now=now)
                if parsed is None:
                    ignored += 1
                else:
                    events.append(parsed)
    return events, ignored


def _parse_event(raw: Any, *, owner: str, now: datetime) -> ParsedEvent | None:
    if not isinstance(raw, dict):
        return None
    try:
        event = Event.model_validate(raw)
    except PydanticValidationError:
        return None
    echo = bool(event.message and event.message.is_echo) or (bool(owner) and event.sender.id == owner)
    igsid = event.recipient.id if echo else event.sender.id
    at = event_time(event.timestamp, now)
    if event.message is not None:
        kind: Literal["message", "delete", "reaction", "read"] = "delete" if event.message.is_deleted else "message"
    elif event.reaction is not None:
        kind = "reaction"
    elif event.read is not None:
        kind = "read"
    else:
        return None
    return ParsedEvent(kind=kind, igsid=igsid, outbound=echo, at=at, event=event, raw=raw)


def message_content(part: MessagePart) -> tuple[str, str]:
    """(message_type, message_text) for a message: its text, or a stable label for attachments."""
    text = (part.text or "")[:MAX_TEXT]
    if part.attachments:
        kinds = sorted({a.type or "attachment" for a in part.attachments})
        label = f"[{', '.join(kinds)}]"
        return (kinds[0] if len(kinds) == 1 else "attachment"), (f"{text} {label}".strip() if text else label)
    if part.is_unsupported and not text:
        return "unsupported", "[unsupported message]"
    return "text", text
