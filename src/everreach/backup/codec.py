"""Portable encoding of one row: every typed value as plain JSON, the same whichever engine it came from.

UUIDs are canonical strings, timestamps ISO-8601 in UTC with microseconds, JSON and arrays stay JSON,
booleans and numbers stay JSON scalars. A column that is SQL NULL is left out of the encoded row, so a JSON
`null` stored in a JSON column survives as a value distinct from SQL NULL.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Dialect, Float, Integer, String, Table, Uuid, null

from everreach.db.types import UTCDateTime


class CodecError(ValueError):
    """A value in a backup does not fit its column; the message names the column."""


def kind_of(column: Column[Any]) -> str:
    """The portable kind of a column: uuid, timestamp, json, bool, int, float or text."""
    col_type = column.type
    if isinstance(col_type, Uuid):
        return "uuid"
    if isinstance(col_type, UTCDateTime):
        return "timestamp"
    if isinstance(col_type, JSON):
        return "json"
    if isinstance(col_type, Boolean):
        return "bool"
    if isinstance(col_type, Integer):
        return "int"
    if isinstance(col_type, Float):
        return "float"
    if isinstance(col_type, String):
        return "text"
    raise TypeError(f"no portable encoding for {column.table.name}.{column.name} ({col_type})")


def _encode_timestamp(value: Any) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return str(value.astimezone(UTC).isoformat(timespec="microseconds"))


def _encode_float(value: Any) -> Any:
    # JSON has no NaN/Infinity; keep them as tagged strings so nothing is lost.
    number = float(value)
    return number if math.isfinite(number) else {"$float": repr(number)}


_ENCODERS: dict[str, Callable[[Any], Any]] = {
    "uuid": str,
    "timestamp": _encode_timestamp,
    "json": lambda v: v,
    "bool": bool,
    "int": int,
    "float": _encode_float,
    "text": str,
}


def encode_row(table: Table, row: dict[str, Any], sql_nulls: set[str]) -> dict[str, Any]:
    """The row as portable JSON; columns that are SQL NULL (`sql_nulls`) are omitted."""
    out: dict[str, Any] = {}
    for column in table.c:
        if column.name in sql_nulls:
            continue
        value = row[column.name]
        kind = kind_of(column)
        if value is None and kind != "json":
            continue
        out[column.name] = _ENCODERS[kind](value)
    return out


def _decode_uuid(value: Any) -> uuid.UUID:
    if not isinstance(value, str):
        raise CodecError("expected a UUID string")
    try:
        return uuid.UUID(value)
    except ValueError:
        raise CodecError(f"invalid UUID {value!r}") from None


def _decode_timestamp(value: Any) -> datetime:
    if not isinstance(value, str):
        raise CodecError("expected an ISO-8601 timestamp string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise CodecError(f"invalid timestamp {value!r}") from None
    if parsed.tzinfo is None:
        raise CodecError(f"timestamp {value!r} has no UTC offset")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise CodecError(f"timestamp {value!r} is out of range") from None


def _decode_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise CodecError(f"expected true or false, got {value!r}")
    return value


def _decode_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise CodecError(f"expected an integer, got {value!r}")
    if not -(2**63) <= value < 2**63:
        raise CodecError(f"integer {value} out of range")
    return value


def _decode_float(value: Any) -> float:
    if isinstance(value, dict) and set(value) == {"$float"} and value["$float"] in ("nan", "inf", "-inf"):
        return float(value["$float"])
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CodecError(f"expected a number, got {value!r}")
    return float(value)


def _decode_text(value: Any) -> str:
    if not isinstance(value, str):
        raise CodecError(f"expected a string, got {type(value).__name__}")
    return value


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "uuid": _decode_uuid,
    "timestamp": _decode_timestamp,
    "json": lambda v: v,
    "bool": _decode_bool,
    "int": _decode_int,
    "float": _decode_float,
    "text": _decode_text,
}


class RowDecoder:
    """Turns portable rows of one table into insert parameters for one dialect."""

    def __init__(self, table: Table, dialect: Dialect, columns: list[str]) -> None:
        self.table = table
        self.columns = [table.c[name] for name in columns]
        self._kinds = {c.name: kind_of(c) for c in self.columns}
        # A JSON column needs an explicit SQL NULL (a bare None would be stored as JSON null);
        # a PostgreSQL array column takes None.
        self._sql_null: dict[str, Any] = {}
        for column in self.columns:
            impl = column.type.dialect_impl(dialect)
            self._sql_null[column.name] = null() if isinstance(impl, JSON) else None

    def decode(self, encoded: Any) -> dict[str, Any]:
        """Insert parameters for one encoded row; raises CodecError naming the bad column."""
        if not isinstance(encoded, dict):
            raise CodecError("expected a JSON object of column values")
        unknown = set(encoded) - set(self._kinds)
        if unknown:
            raise CodecError(f"unknown column {sorted(unknown)[0]!r} for table {self.table.name}")
        params: dict[str, Any] = {}
        for name, kind in self._kinds.items():
            if name not in encoded:
                params[name] = self._sql_null[name]
                continue
            value = encoded[name]
            if value is None and kind != "json":
                raise CodecError(f"column {name!r}: null is written by leaving the column out")
            try:
                decoded = _DECODERS[kind](value)
            except CodecError as exc:
                raise CodecError(f"column {name!r}: {exc}") from None
            params[name] = decoded
        return params
