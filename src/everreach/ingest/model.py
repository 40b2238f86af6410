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


@dataclass(slots=True)
class FileNotes:
    """What reading one file left out or changed, message by message: counts and the first example of each."""

    file: str
    invalid_time: int = 0
    invalid_time_example: str = ""
    cleaned: int = 0
    cleaned_example: str = ""
    header_cleaned: bool = False

    def left_out(self, where: str) -> None:
        """A message at `where` ("message 4") was dropped: its time is missing or cannot be a real time."""
        self.invalid_time += 1
        self.invalid_time_example = self.invalid_time_example or where

    def cleaned_at(self, where: str) -> None:
        """A message at `where` had characters that cannot be stored (replaced or removed)."""
        self.cleaned += 1
        self.cleaned_example = self.cleaned_example or where
