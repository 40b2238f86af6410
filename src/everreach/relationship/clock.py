"""The relationship engine's clock: every read and recompute takes `now`, and defaults to this."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time, aware UTC."""
    return datetime.now(UTC)
