"""Known handles (username -> display name) from the user's own CSV or TOML file."""

from __future__ import annotations

import csv
import io
import tomllib
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from everreach.contacts.usernames import normalise_username
from everreach.db.models import AutomationPattern
from everreach.errors import ValidationError


def parse_handles(path: Path) -> dict[str, str]:
    """Read `username,display_name` rows (CSV, optional header) or a TOML `[handles]` table."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"{path}: cannot read handles file ({exc.strerror})") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
    if path.suffix.lower() == ".toml":
        return _parse_toml(path, text)
    return _parse_csv(path, text)


def _parse_toml(path: Path, text: str) -> dict[str, str]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"{path}: invalid TOML: {exc}") from exc
    table = data.get("handles")
    if not isinstance(table, dict):
        raise ValidationError(f'{path}: expected a [handles] table of username = "Display Name"')
    handles: dict[str, str] = {}
    for key, value in table.items():
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(f"{path}: handles.{key}: display name must be a non-empty string")
        _add(handles, path, f"handles.{key}", key, value)
    return handles


def _parse_csv(path: Path, text: str) -> dict[str, str]:
    handles: dict[str, str] = {}
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise ValidationError(f"{path}: line {reader.line_num}: not valid CSV ({exc})") from exc
    for number, row in rows:
        if not row or all(not cell.strip() for cell in row) or row[0].lstrip().startswith("#"):
            continue
        if number == 1 and row[0].strip().lower() in ("username", "instagram_username", "handle"):
            continue
        if len(row) < 2 or not row[1].strip():
            raise ValidationError(f"{path}: line {number}: expected username,display_name")
        _add(handles, path, f"line {number}", row[0], row[1])
    return handles


def _add(handles: dict[str, str], path: Path, where: str, username: str, display: str) -> None:
    name = normalise_username(username)
    if not name or any(ch.isspace() for ch in name):
        raise ValidationError(f"{path}: {where}: invalid username {username!r}")
    handles[name] = display.strip()


def upsert_handles(session: Session, handles: dict[str, str]) -> tuple[int, int]:
    """Store known_handle rows; returns (added, updated). The file is the source of truth for names."""
    existing = {
        p.pattern_key: p
        for p in session.scalars(select(AutomationPattern).where(AutomationPattern.pattern_type == "known_handle"))
    }
    added = updated = 0
    for username, display in handles.items():
        row = existing.get(username)
        if row is None:
            session.add(AutomationPattern(pattern_type="known_handle", pattern_key=username, pattern_value=display))
            added += 1
        elif row.pattern_value != display:
            row.pattern_value = display
            updated += 1
    session.flush()
    return added, updated
