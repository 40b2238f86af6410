"""Instagram / Messenger JSON thread files (`message_N.json`): one thread, possibly split over files."""

from __future__ import annotations

import json
from typing import Any

from everreach.ingest.model import ParsedMessage
from everreach.ingest.text import clean_text, fix_deep, fix_mojibake, strip_edited, system_type

# Keys that are the message itself or carry no information worth keeping in raw_data.
_SKIP_KEYS = frozenset(
    {"sender_name", "timestamp_ms", "content", "type", "is_unsent", "is_geoblocked_for_viewer", "senderName",
     "timestamp", "text", "isUnsent"}
)  # fmt: skip
_MEDIA = (("photos", "photo"), ("videos", "video"), ("audio_files", "audio"), ("gifs", "gif"), ("files", "file"))


class NotAThreadError(ValueError):
    """The JSON is valid but is not a message thread."""


def load_json(data: bytes) -> Any:
    """Decode JSON that may start with a UTF-8 BOM or blank lines."""
    text = data.decode("utf-8-sig")
    return json.loads(text)


def thread_header(doc: Any) -> dict[str, Any]:
    """Check a decoded file is a thread (a `messages` list) and return it."""
    if not isinstance(doc, dict) or not isinstance(doc.get("messages"), list):
        raise NotAThreadError("not an Instagram or Messenger message file (no 'messages' list)")
    return doc


#: Year 10000 in milliseconds: later (or negative) times cannot be stored and mean a corrupt message.
MAX_TIMESTAMP_MS = 253_402_300_800_000


def participants_of(doc: dict[str, Any]) -> list[str]:
    """Participant names (mojibake repaired), in the file's order."""
    names: list[str] = []
    listed = doc.get("participants")
    for item in listed if isinstance(listed, list) else []:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str) and name.strip():
            fixed = fix_mojibake(name.strip())
            if fixed not in names:
                names.append(fixed)
    return names


def convert_message(item: Any) -> ParsedMessage | None:
    """One export message -> ParsedMessage (typed, stable text); None when it has no sender or time."""
    if not isinstance(item, dict):
        return None
    # Messenger's end-to-end encrypted exports (2024-) spell the keys senderName / timestamp / text.
    sender = item.get("sender_name", item.get("senderName"))
    ts = item.get("timestamp_ms", item.get("timestamp"))
    if not isinstance(ts, int | float) or isinstance(ts, bool) or not 0 <= ts < MAX_TIMESTAMP_MS:
        return None
    sender = fix_mojibake(sender) if isinstance(sender, str) else ""
    content = item.get("content", item.get("text"))
    text = fix_mojibake(content) if isinstance(content, str) else ""
    raw: dict[str, Any] | None = None
    if len(item) > 3 or "content" not in item:
        raw = {k: v for k, v in item.items() if k not in _SKIP_KEYS and v not in (None, False, [], "", {})}
        raw = fix_deep(raw) if raw else None
    edited = False
    if text:
        text, edited = strip_edited(text)
        text = clean_text(text)
    kind = _message_type(item, text)
    if not text:
        text = _placeholder(kind, raw)
    if edited:
        raw = {**(raw or {}), "edited": True}
    return ParsedMessage(sender, int(ts), text, kind, raw)


def _message_type(item: dict[str, Any], text: str) -> str:
    if item.get("is_unsent") or item.get("isUnsent"):
        return "unsent"
    declared = item.get("type")
    if declared == "Call" or "call_duration" in item:
        return "call"
    if item.get("share"):
        return "share"
    for key, kind in _MEDIA:
        if item.get(key):
            return kind
    if item.get("sticker"):
        return "sticker"
    if text:
        return system_type(text) or "text"
    if item.get("reactions"):
        return "reaction"
    return "other"


def _placeholder(kind: str, raw: dict[str, Any] | None) -> str:
    """A stable, readable text for a message without content (the seed needs non-empty text to dedupe)."""
    if kind == "share" and raw:
        share = raw.get("share") or {}
        detail = share.get("share_text") or share.get("link") or ""
        if detail:
            return clean_text(f"[share] {detail}")
    if kind == "call" and raw and "call_duration" in raw:
        return f"[call {raw['call_duration']}s]"
    return f"[{kind}]"
