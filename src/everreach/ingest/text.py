"""Text repair and classification: mojibake, system lines, stable text for typed messages."""

from __future__ import annotations

import math
import re
from typing import Any

# The stored-length rule is the message writer's (every path cuts the same way); import names it here too.
from everreach.messages.limits import MAX_TEXT_BYTES as MAX_TEXT_BYTES
from everreach.messages.limits import TRUNCATION_MARK as TRUNCATION_MARK
from everreach.messages.limits import fit_text as fit_text

_EDITED_SUFFIX = " (edited)"

# (compiled pattern, message_type) for the English system lines Meta writes as message content.
_SYSTEM_LINES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE | re.DOTALL), kind)
    for pattern, kind in (
        (r"^.{0,200} sent an attachment\.?$", "attachment"),
        (r"^(.{0,200} )?liked a message\.?$", "like"),
        (r"^(.{0,200} )?reacted .{1,40} to (your|their|a|his|her) message\.?$", "reaction"),
        (r"^(.{0,200} )?unsent a message\.?$", "unsent"),
        (r"^.{0,200} sent a voice message\.?$", "audio"),
        (r"^.{0,200} sent a (photo|video|gif|sticker)\.?$", "attachment"),
        (r"^(audio|video) call ended\.?$", "call"),
        (r"^(missed (an )?(audio|video) call|.{0,200} started (an audio|a video) (call|chat))\.?$", "call"),
        (r"^.{0,200} (mentioned you in (their|his|her) story|replied to your story|shared a story)\.?$", "story"),
        (r"^.{0,200}(joined|left) the group\.?$", "system"),
        (r"^.{0,200} (named|renamed) the group.*$", "system"),
        (r"^.{0,200} added .{1,200} to the group\.?$", "system"),
        (r"^.{0,200} removed .{1,200} from the group\.?$", "system"),
        (r"^.{0,200} changed the group photo\.?$", "system"),
        (r"^.{0,200}'s poll has (multiple )?updates?\.?$", "poll"),
        (r"^this poll is no longer available\.?$", "poll"),
        (r"^.{0,200} created a poll.*$", "poll"),
    )
)


def fix_mojibake(value: str) -> str:
    """Undo Meta's "every UTF-8 byte as its own \\u00XX" encoding, only where that repair succeeds."""
    if value.isascii():
        return value
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


#: Nesting a message's extras may reach; Meta's go three or four levels deep. Deeper ones cannot be walked,
#: stored and read back safely (Python's recursion limit is about 1,000), so the file is refused.
MAX_DEPTH = 64

#: NUL (PostgreSQL text and JSONB cannot hold it) and lone surrogates (`"\\ud800"` in JSON decodes to one; no
#: UTF-8 encoder accepts it). A valid pair in JSON decodes to one character, so any surrogate left is lone.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class TooDeepError(ValueError):
    """A JSON value nests more than MAX_DEPTH levels."""


class Scrubber:
    """Makes text storable on both engines and remembers whether it had to (per message, for the summary).

    A lone surrogate becomes U+FFFD and a NUL is dropped rather than the file refused: the rest of the message
    (and the thread) is real data, and the replacement character shows the reader where something was.
    """

    __slots__ = ("changed",)

    def __init__(self) -> None:
        self.changed = False

    def text(self, value: str) -> str:
        """`value` without NUL, lone surrogates replaced by U+FFFD."""
        if not _UNSTORABLE.search(value):
            return value
        self.changed = True
        return _UNSTORABLE.sub(_replacement, value)

    def deep(self, value: Any, depth: int = 0) -> Any:
        """fix_mojibake and `text` on every string (keys too); NaN and infinities become None (JSONB refuses them)."""
        if isinstance(value, str):
            return self.text(fix_mojibake(value))
        if isinstance(value, float) and not math.isfinite(value):
            self.changed = True
            return None
        if depth >= MAX_DEPTH and isinstance(value, list | dict):
            raise TooDeepError(f"nested too deeply (more than {MAX_DEPTH} levels)")
        if isinstance(value, list):
            return [self.deep(v, depth + 1) for v in value]
        if isinstance(value, dict):
            return {self.deep(k) if isinstance(k, str) else k: self.deep(v, depth + 1) for k, v in value.items()}
        return value


def _replacement(match: re.Match[str]) -> str:
    return "" if match.group(0) == "\x00" else "\ufffd"


def fix_deep(value: Any) -> Any:
    """fix_mojibake applied to every string (keys too) inside a JSON value, made storable (see Scrubber)."""
    return Scrubber().deep(value)


def strip_edited(content: str) -> tuple[str, bool]:
    """Drop the " (edited)" suffix of 2025 exports, so an edited message still matches its earlier copy."""
    if content.endswith(_EDITED_SUFFIX) and len(content) > len(_EDITED_SUFFIX):
        return content[: -len(_EDITED_SUFFIX)], True
    return content, False


# Every system line holds one of these words; checking them first keeps ordinary texts off the regexes.
_SYSTEM_WORDS = ("sent", "liked", "reacted", "unsent", "call", "story", "group", "poll", "chat")


def system_type(content: str) -> str | None:
    """The message_type of a system line ("X sent an attachment.", "Liked a message"), else None."""
    if len(content) > 300:
        return None
    lowered = content.lower()
    if not any(word in lowered for word in _SYSTEM_WORDS):
        return None
    for pattern, kind in _SYSTEM_LINES:
        if pattern.match(content):
            return kind
    return None


def clean_text(text: str, scrubber: Scrubber | None = None) -> str:
    """Text made storable (NUL dropped, lone surrogates replaced) without the trailing blanks of system lines."""
    return (scrubber or Scrubber()).text(text).rstrip()
