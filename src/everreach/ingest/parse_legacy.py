"""The 2018-2020 export: one root `messages.json`, a list of conversations between usernames."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from everreach.contacts.usernames import normalise_username
from everreach.ingest.model import FileNotes, ParsedMessage, ParsedThread
from everreach.ingest.parse_json import MAX_TIMESTAMP_MS
from everreach.ingest.text import Scrubber, TooDeepError, clean_text, fix_mojibake, system_type

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


def legacy_threads(doc: Any, file: str, notes: FileNotes | None = None) -> Iterator[ParsedThread]:
    """Each conversation of a legacy messages.json as a ParsedThread (participants are usernames).

    `notes` counts messages left out for an invalid time and those cleaned; extras too deep raise TooDeepError.
    """
    if not isinstance(doc, list):
        raise NotALegacyExportError("not a 2018-2020 messages.json (expected a list of conversations)")
    for number, entry in enumerate(doc, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("conversation"), list):
            raise NotALegacyExportError("not a 2018-2020 messages.json (an entry has no 'conversation' list)")
        listed = entry.get("participants")
        scrub = Scrubber()
        participants = [
            normalise_username(scrub.text(fix_mojibake(p)))
            for p in (listed if isinstance(listed, list) else [])
            if isinstance(p, str)
        ]
        if notes is not None and scrub.changed:
            notes.header_cleaned = True
        converted = (
            _convert(item, notes, f"conversation {number}, message {index}")
            for index, item in enumerate(entry["conversation"], start=1)
        )
        messages = [m for m in converted if m is not None]
        messages.sort(key=lambda m: m.timestamp_ms)
        yield ParsedThread(
            key="legacy:" + ",".join(sorted(participants)),
            files=[file],
            participants=participants,
            messages=messages,
            participants_are_usernames=True,
            is_group_hint=len(participants) > 2,
        )


def _convert(item: Any, notes: FileNotes | None, where: str) -> ParsedMessage | None:
    if not isinstance(item, dict) or not isinstance(item.get("sender"), str):
        return None
    when = _time(item.get("created_at"))
    ms = (when - _EPOCH) // timedelta(milliseconds=1) if when is not None else -1
    if not 0 <= ms < MAX_TIMESTAMP_MS:
        if notes is not None:
            notes.left_out(where)
        return None
    scrub = Scrubber()
    sender = normalise_username(scrub.text(fix_mojibake(item["sender"])))
    text = clean_text(fix_mojibake(item["text"]), scrub) if isinstance(item.get("text"), str) else ""
    kind = "text"
    for key, candidate in _KINDS:
        if item.get(key):
            kind = candidate
            break
    if kind == "text" and text:
        kind = system_type(text) or "text"
    raw = {k: v for k, v in item.items() if k not in ("sender", "created_at", "text") and v not in (None, "", [])}
    try:
        raw = scrub.deep(raw)
    except TooDeepError as exc:
        raise TooDeepError(f"{where}: {exc}") from exc
    if not text:
        detail = raw.get("media_share_url") or raw.get("link") or raw.get("action") or ""
        text = clean_text(f"[{kind}] {detail}") if isinstance(detail, str) and detail else f"[{kind}]"
        if kind == "text":
            text = "[other]"
            kind = "other"
    if scrub.changed and notes is not None:
        notes.cleaned_at(where)
    return ParsedMessage(sender, ms, text, kind, raw or None)


def _time(stamp: Any) -> datetime | None:
    """An ISO time (UTC when it has no zone); None when missing or unreadable."""
    if not isinstance(stamp, str):
        return None
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
