"""Portable column types: one model, PostgreSQL's native types, SQLite's text equivalents."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, DateTime, Dialect, Text, TypeDecorator

if TYPE_CHECKING:
    from sqlalchemy.types import TypeEngine

    #: JSONB on PostgreSQL, JSON text on SQLite.
    JSONType: TypeEngine[Any]
    #: TEXT[] on PostgreSQL, a JSON list on SQLite.
    TextArray: TypeEngine[Any]


def __getattr__(name: str) -> Any:
    """JSONType and TextArray, built on first use: SQLAlchemy's PostgreSQL dialect (tens of milliseconds to import)
    is loaded only by code that defines tables, never by a read that needs UTCDateTime alone."""
    if name not in ("JSONType", "TextArray"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from sqlalchemy.dialects.postgresql import ARRAY, JSONB

    built = {
        "JSONType": JSON().with_variant(JSONB(), "postgresql"),
        "TextArray": JSON().with_variant(ARRAY(Text()), "postgresql"),
    }
    globals().update(built)
    return built[name]


class UTCDateTime(TypeDecorator[datetime]):
    """TIMESTAMPTZ on PostgreSQL; on SQLite a UTC 'YYYY-MM-DD HH:MM:SS.ffffff' string.

    Values always come back timezone-aware (UTC). Naive values given to it are taken as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Normalise to UTC; SQLite stores it without an offset."""
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Return an aware UTC datetime whatever the engine gave back."""
        if value is None:
            return None
        parsed: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)


def sqlite_timestamp(value: datetime) -> str:
    """The text form UTCDateTime stores on SQLite (for raw, set-based SQL)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(sep=" ", timespec="microseconds")
