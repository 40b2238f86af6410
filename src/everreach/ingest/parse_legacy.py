"""The 2018-2020 export: one root `messages.json`, a list of conversations between usernames."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from everreach.contacts.usernames import normalise_username
from everreach.ingest.model import ParsedMessage, ParsedThread
from everreach.ingest.parse_json import MAX_TIMESTAMP_MS
from everreach.ingest.text import clean_text, fix_deep, fix_mojibake, system_type

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Older exports name the kind of a message by the key that holds it.
_KINDS = (
    ("media_share_url", "share"),
    ("story_share", "story"),
    ("voice_media", "audio"),
    ("media_url", "photo"),
    ("media", "photo"),
    ("video_call_action", "call"),
    ("heart", "like"),
    ("action", "system"),
    ("animated_media_images", "gif"),
    ("link", "share"),
)


class NotALegacyExportError(ValueError):
    """The file is named messages.json but is not the 2018-2020 message list."""


def legacy_threads(doc: Any, file: str) -> Iterator[ParsedThread]:
    """Each conversation of a legacy messages.json as a ParsedThread (participants are usernames)."""
    if not isinstance(doc, list):
        raise NotALegacyExportError("not a 2018-2020 messages.json (expected a list of conversations)")
    for entry in doc:
        if not isinstance(entry, dict) or not isinstance(entry.get("conversation"), list):
            raise NotALegacyExportError("not a 2018-2020 messages.json (an entry has no 'conversation' list)")
        listed = entry.get("participants")
        participants = [
            normalise_username(fix_mojibake(p))
            for p in (listed if isinstance(listed, list) else [])
            if isinstance(p, str)
        ]
        messages = [m for m in (_convert(item) for item in entry["conversation"]) if m is not None]
        messages.sort(key=lambda m: m.timestamp_ms)
        yield ParsedThread(
            key="legacy:" + ",".join(sorted(participants)),
            files=[file],
            participants=participants,
            messages=messages,
            participants_are_usernames=True,
            is_group_hint=len(participants) > 2,
        )


def _convert(item: Any) -> ParsedMessage | None:
    if not isinstance(item, dict) or not isinstance(item.get("sender"), str):
        return None
    stamp = item.get("created_at")
    if not isinstance(stamp, str):
        return None
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    sender = normalise_username(fix_mojibake(item["sender"]))
    text = clean_text(fix_mojibake(item["text"])) if isinstance(item.get("text"), str) else ""
    kind = "text"
    for key, candidate in _KINDS:
        if item.get(key):
            kind = candidate
            break
    if kind == "text" and text:
        kind = system_type(text) or "text"
    raw = {k: v for k, v in item.items() if k not in ("sender", "created_at", "text") and v not in (None, "", [])}
    if not text:
        detail = item.get("media_share_url") or item.get("link") or item.get("action") or ""
        text = clean_text(f"[{kind}] {detail}") if isinstance(detail, str) and detail else f"[{kind}]"
        if kind == "text":
            text = "[other]"
            kind = "other"
    ms = (when - _EPOCH) // timedelta(milliseconds=1)
    if not 0 <= ms < MAX_TIMESTAMP_MS:
        return None
    return ParsedMessage(sender, ms, text, kind, fix_deep(raw) or None)
