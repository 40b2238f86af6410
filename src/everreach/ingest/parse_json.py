"""Instagram / Messenger JSON thread files (`message_N.json`): one thread, possibly split over files."""

from __future__ import annotations

import json
from typing import Any

from everreach.ingest.model import FileNotes, ParsedMessage
from everreach.ingest.text import Scrubber, clean_text, fix_mojibake, strip_edited, system_type

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


def participants_of(doc: dict[str, Any], scrubber: Scrubber | None = None) -> list[str]:
    """Participant names (mojibake repaired, made storable), in the file's order."""
    scrub = scrubber or Scrubber()
    names: list[str] = []
    listed = doc.get("participants")
    for item in listed if isinstance(listed, list) else []:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str) and name.strip():
            fixed = scrub.text(fix_mojibake(name.strip())).strip()
            if not fixed:
                continue
            if fixed not in names:
                names.append(fixed)
    return names


def convert_message(item: Any, notes: FileNotes | None = None, where: str = "") -> ParsedMessage | None:
    """One export message -> ParsedMessage (typed, stable text); None when it is not a message or has no time.

    `notes` (when given) counts what was left out (an invalid time) or cleaned; `where` names the message there.
    Extras nested more than MAX_DEPTH levels raise TooDeepError.
    """
    if not isinstance(item, dict):
        return None
    # Messenger's end-to-end encrypted exports (2024-) spell the keys senderName / timestamp / text.
    sender = item.get("sender_name", item.get("senderName"))
    ts = item.get("timestamp_ms", item.get("timestamp"))
    if not isinstance(ts, int | float) or isinstance(ts, bool) or not 0 <= ts < MAX_TIMESTAMP_MS:
        if notes is not None:
            notes.left_out(where)
        return None
    scrub = Scrubber()
    sender = scrub.text(fix_mojibake(sender)) if isinstance(sender, str) else ""
    content = item.get("content", item.get("text"))
    text = fix_mojibake(content) if isinstance(content, str) else ""
    raw: dict[str, Any] | None = None
    if len(item) > 3 or "content" not in item:
        raw = {k: v for k, v in item.items() if k not in _SKIP_KEYS and v not in (None, False, [], "", {})}
        raw = scrub.deep(raw) if raw else None
    edited = False
    if text:
        text, edited = strip_edited(text)
        text = clean_text(text, scrub)
    kind = _message_type(item, text)
    if not text:
        text = _placeholder(kind, raw)
    if edited:
        raw = {**(raw or {}), "edited": True}
    if scrub.changed and notes is not None:
        notes.cleaned_at(where)
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
        share = raw.get("share")
        detail = (share.get("share_text") or share.get("link") or "") if isinstance(share, dict) else ""
        if isinstance(detail, str) and detail:
            return clean_text(f"[share] {detail}")
    if kind == "call" and raw and "call_duration" in raw:
        return f"[call {raw['call_duration']}s]"
    return f"[{kind}]"
