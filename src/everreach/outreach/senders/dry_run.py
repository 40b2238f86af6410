"""dry-run sender (the default): appends what it would send as JSON lines to a file, delivers nothing."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import ClassVar

from everreach.config import Settings
from everreach.outreach.senders.base import INSTAGRAM_TEXT_CHARS, OutboundMessage, SendResult, check_chars

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: one write() per line is still close to atomic
    fcntl = None  # type: ignore[assignment]


def outbox_path(settings: Settings) -> Path:
    """Where the dry-run sender writes: EVERREACH_DRY_RUN_PATH or `<data_dir>/outbox.jsonl`."""
    return settings.dry_run_path or settings.data_dir / "outbox.jsonl"


class DryRunSender:
    """Writes one JSON line per message it would send; several workers may share the file."""

    name: ClassVar[str] = "dry-run"
    delivers: ClassVar[bool] = False
    needs_recipient: ClassVar[bool] = False

    def __init__(self, settings: Settings) -> None:
        self.path = outbox_path(settings)

    @classmethod
    def check_text(cls, text: str) -> str | None:
        """Same limit as Instagram's DM box, so a dry run reveals what a real run would refuse."""
        return check_chars(text, INSTAGRAM_TEXT_CHARS)

    def send(self, message: OutboundMessage) -> SendResult:
        """Append the message as one JSON line."""
        record = {
            "queue_id": message.queue_id.hex,
            "username": message.username,
            "text": message.text,
            "at": message.now.isoformat(),
            "sender": self.name,
        }
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode()
        try:
            if not self.path.parent.is_dir():
                self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError as exc:
            return SendResult.retry(f"cannot open dry-run outbox {self.path}: {exc.strerror}", after=300)
        try:
            # One locked write per line: lines from concurrent workers never interleave.
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, line)
        except OSError as exc:
            return SendResult.failed(f"delivery unknown: writing {self.path} failed: {exc.strerror}")
        finally:
            os.close(fd)
        return SendResult.sent()

    def describe(self) -> str:
        """Where the lines go."""
        return f"dry-run: writes to {self.path}, delivers nothing"

    def close(self) -> None:
        """Nothing is kept open."""
