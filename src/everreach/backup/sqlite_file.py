"""SQLite database files as backups: the online backup API out, and back in."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from everreach.backup.errors import BackupError
from everreach.backup.tables import ProgressFn

SQLITE_MAGIC = b"SQLite format 3\x00"
PAGES_PER_STEP = 2048


class NotASQLiteBackupError(BackupError):
    """The file is not a usable SQLite database; the message names the file."""


def _step_progress(progress: ProgressFn | None) -> Any:
    if progress is None:
        return None

    def report(_status: int, remaining: int, total: int) -> None:
        progress("pages", total - remaining, total)

    return report


def sqlite_path(engine: Engine) -> Path:
    """The database file behind a SQLite engine."""
    database = engine.url.database
    if not database or database == ":memory:":
        raise NotASQLiteBackupError("an in-memory database cannot be backed up to a file")
    return Path(database).expanduser()


def online_backup(engine: Engine, target: Path, *, progress: ProgressFn | None = None) -> None:
    """Copy a live SQLite database page by page into `target` (a new file), consistent while others write."""
    raw = engine.raw_connection()
    try:
        source: sqlite3.Connection = raw.driver_connection  # type: ignore[assignment]
        with closing(sqlite3.connect(target)) as dest:
            source.backup(dest, pages=PAGES_PER_STEP, progress=_step_progress(progress))
            # A standalone file: no -wal/-shm sidecars needed to read the copy.
            dest.execute("PRAGMA journal_mode=DELETE")
            check_file_integrity(dest, target)
    finally:
        raw.close()


def check_file_integrity(conn: sqlite3.Connection, path: Path) -> None:
    """Raise unless SQLite's own check passes on the file."""
    try:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        raise NotASQLiteBackupError(f"{path}: not a usable SQLite database ({exc})") from None
    if rows != [("ok",)]:
        first = rows[0][0] if rows else "no result"
        raise NotASQLiteBackupError(f"{path}: SQLite integrity check failed: {first}")


def inspect_backup(path: Path) -> str | None:
    """Check a .db backup (magic bytes, integrity) and return its migration revision (None if unknown)."""
    with path.open("rb") as handle:
        if handle.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
            raise NotASQLiteBackupError(f"{path}: not a SQLite database file")
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            check_file_integrity(conn, path)
            try:
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            except sqlite3.DatabaseError:
                raise NotASQLiteBackupError(f"{path}: not an EverReach database (no alembic_version)") from None
    except sqlite3.DatabaseError as exc:
        raise NotASQLiteBackupError(f"{path}: cannot read SQLite database ({exc})") from None
    return str(row[0]) if row else None


def copy_file_into(source: Path, engine: Engine, *, progress: ProgressFn | None = None) -> None:
    """Replace the whole content of the live SQLite database behind `engine` with `source`'s pages."""
    raw = engine.raw_connection()
    try:
        dest: sqlite3.Connection = raw.driver_connection  # type: ignore[assignment]
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src:
            src.backup(dest, pages=PAGES_PER_STEP, progress=_step_progress(progress))
    finally:
        raw.close()


def copy_to_temp(source: Path, target: Path) -> None:
    """A private writable copy of a .db backup (to migrate or read it without touching the original)."""
    with (
        closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src,
        closing(sqlite3.connect(target)) as dest,
    ):
        src.backup(dest)
