"""What the parsers produce: a thread with its participants and messages, before any database mapping."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class ParsedMessage:
    """One message as read from an export: sender, time, stable text, type and the extras for raw_data."""

    sender: str
    timestamp_ms: int
    text: str
    message_type: str = "text"
    raw: dict[str, Any] | None = None


@dataclass(slots=True)
class ParsedThread:
    """One conversation read from one or more files (merged and ordered by time)."""

    key: str
    """Stable thread id: the thread folder name (or thread_path / legacy participants)."""
    files: list[str]
    participants: list[str]
    messages: list[ParsedMessage]
    title: str | None = None
    folder_username: str | None = None
    """Username taken from a `<username>_<id>` folder or thread_path, when there is one."""
    participants_are_usernames: bool = False
    is_group_hint: bool = False
    tab: str = "primary"
    is_archived: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
