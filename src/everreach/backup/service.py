"""`backup` and `restore`: choose the format, guard the target, and do the work in one transaction."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

from everreach.backup import jsonl, sqlite_file
from everreach.backup.errors import BackupError
from everreach.backup.tables import Loader, ProgressFn, backup_tables, clear_tables, iter_encoded_rows, row_counts
from everreach.db import migrate
from everreach.db.engine import is_sqlite, make_engine

BackupFormat = Literal["sqlite", "jsonl", "jsonl.gz"]
FORMATS: tuple[BackupFormat, ...] = ("sqlite", "jsonl", "jsonl.gz")
_SUFFIXES: dict[str, BackupFormat] = {
    ".db": "sqlite",
    ".sqlite": "sqlite",
    ".sqlite3": "sqlite",
    ".jsonl": "jsonl",
    ".jsonl.gz": "jsonl.gz",
}


class BackupResult(BaseModel):
    """What a backup or restore did."""

    path: str
    format: BackupFormat
    rows: dict[str, int]

    @property
    def total_rows(self) -> int:
        """All rows, every table."""
        return sum(self.rows.values())


def resolve_format(path: Path, explicit: str | None) -> BackupFormat:
    """The format named by `--format`, else by the file's suffix."""
    if explicit is not None:
        for fmt in FORMATS:
            if fmt == explicit:
                return fmt
        raise BackupError(f"unknown backup format {explicit!r}: use one of {', '.join(FORMATS)}")
    name = path.name.lower()
    for suffix, fmt in sorted(_SUFFIXES.items(), key=lambda item: -len(item[0])):
        if name.endswith(suffix):
            return fmt
    raise BackupError(
        f"{path}: cannot tell the format from the name; use .db/.sqlite, .jsonl or .jsonl.gz, or --format"
    )


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """A read transaction that sees one consistent state of every table while others keep writing."""
    with engine.connect() as conn:
        if not is_sqlite(engine):
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


@contextmanager
def _write_atomically(path: Path, *, force: bool) -> Iterator[Path]:
    """A temporary file beside `path` that replaces it only when the block succeeds."""
    if path.exists() and not force:
        raise BackupError(f"{path} already exists; use --force to overwrite it")
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent} is not a directory")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def backup_database(
    engine: Engine,
    path: Path,
    *,
    fmt: str | None = None,
    force: bool = False,
    progress: ProgressFn | None = None,
) -> BackupResult:
    """Write a backup of the whole database to `path` (SQLite file or portable JSON lines)."""
    chosen = resolve_format(path, fmt)
    with _write_atomically(path, force=force) as tmp:
        if chosen == "sqlite" and is_sqlite(engine):
            sqlite_file.online_backup(engine, tmp, progress=progress)
            rows = _counts_of_file(tmp)
        elif chosen == "sqlite":
            rows = _copy_into_new_sqlite(engine, tmp, progress=progress)
        else:
            with _snapshot(engine) as conn:
                rows = jsonl.write_jsonl(conn, tmp, gz=chosen == "jsonl.gz", progress=progress)
    return BackupResult(path=str(path), format=chosen, rows=rows)


def _counts_of_file(path: Path) -> dict[str, int]:
    """Rows per table of a SQLite file, read-only (an engine would switch the file back to WAL)."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        return {t.name: int(conn.execute(f'SELECT count(*) FROM "{t.name}"').fetchone()[0]) for t in backup_tables()}


def _copy_into_new_sqlite(source: Engine, path: Path, *, progress: ProgressFn | None) -> dict[str, int]:
    """A PostgreSQL database written out as a fresh, migrated SQLite file."""
    path.unlink(missing_ok=True)
    target = make_engine(f"sqlite:///{path}")
    try:
        migrate.upgrade(target)
        with _snapshot(source) as src, target.begin() as dest:
            _copy_rows(src, Loader(dest, source=str(path), progress=progress))
    finally:
        target.dispose()
    with closing(sqlite3.connect(path)) as conn:
        # A standalone file: no -wal/-shm sidecars needed to read the copy.
        conn.execute("PRAGMA journal_mode=DELETE")
    return _counts_of_file(path)


def _copy_rows(src: Connection, loader: Loader) -> None:
    counts = row_counts(src)
    for table in backup_tables():
        loader.start_table(table, [c.name for c in table.c], expected=counts[table.name])
        for number, encoded in enumerate(iter_encoded_rows(src, table), start=1):
            loader.add(encoded, where=f"row {number}")
    loader.flush()


def _check_revision(path: Path, revision: str | None) -> None:
    if revision is None or revision not in migrate.known_revisions():
        raise BackupError(
            f"{path}: made by a newer or unknown EverReach (migration {revision!r}, this one knows up to "
            f"{migrate.HEAD_REVISION}); upgrade EverReach to restore it"
        )


def _guard_target(conn: Connection, *, force: bool) -> None:
    """Refuse a target that holds data, or (with force) empty it first."""
    filled = {name: n for name, n in row_counts(conn).items() if n}
    if filled and not force:
        sample = ", ".join(f"{name} ({n})" for name, n in list(filled.items())[:3])
        raise BackupError(f"the target database is not empty: {sample}; use --force to replace its content")
    if filled:
        clear_tables(conn)


def restore_database(
    engine: Engine,
    path: Path,
    *,
    fmt: str | None = None,
    force: bool = False,
    progress: ProgressFn | None = None,
) -> BackupResult:
    """Restore a backup into the (migrated) database; refuses a non-empty target unless `force`."""
    if not path.is_file():
        raise BackupError(f"{path}: no such backup file")
    chosen = resolve_format(path, fmt)
    if chosen == "sqlite":
        rows = _restore_sqlite_file(engine, path, force=force, progress=progress)
        return BackupResult(path=str(path), format=chosen, rows=rows)
    gz = chosen == "jsonl.gz"
    _check_magic(path, gz=gz)
    header = jsonl.read_header(path, gz=gz)
    _check_revision(path, header.revision)
    with engine.connect() as raw:
        conn = raw.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            _guard_target(conn, force=force)
            loader = Loader(conn, source=str(path), progress=progress)
            jsonl.load_jsonl(loader, path, gz=gz)
            rows = row_counts(conn)
    return BackupResult(path=str(path), format=chosen, rows=rows)


def _check_magic(path: Path, *, gz: bool) -> None:
    """Name the real format when a file's content contradicts its name."""
    with path.open("rb") as handle:
        start = handle.read(16)
    if start.startswith(sqlite_file.SQLITE_MAGIC):
        raise BackupError(f"{path}: is a SQLite database, not JSON lines; use --format sqlite")
    if start.startswith(b"\x1f\x8b") and not gz:
        raise BackupError(f"{path}: is gzip-compressed; name it .jsonl.gz or use --format jsonl.gz")
    if gz and not start.startswith(b"\x1f\x8b"):
        raise BackupError(f"{path}: is not gzip-compressed; name it .jsonl or use --format jsonl")


def _restore_sqlite_file(engine: Engine, path: Path, *, force: bool, progress: ProgressFn | None) -> dict[str, int]:
    revision = sqlite_file.inspect_backup(path)
    _check_revision(path, revision)
    if is_sqlite(engine):
        if sqlite_file.sqlite_path(engine).resolve() == path.resolve():
            raise BackupError(f"{path} is the database itself; restore it into another database")
        if not force:
            # The page copy replaces everything at once, so only the refusal needs checking first.
            with engine.connect() as conn, conn.begin():
                _guard_target(conn, force=False)
        sqlite_file.copy_file_into(path, engine, progress=progress)
        migrate.upgrade(engine)
        with engine.connect() as conn:
            return row_counts(conn)
    # Into PostgreSQL: read a migrated private copy of the file, row by row.
    with tempfile.TemporaryDirectory(prefix="everreach-restore-") as tmp_dir:
        copy = Path(tmp_dir) / "backup.db"
        sqlite_file.copy_to_temp(path, copy)
        source = make_engine(f"sqlite:///{copy}")
        try:
            migrate.upgrade(source)
            with _snapshot(source) as src, engine.begin() as dest:
                _guard_target(dest, force=force)
                _copy_rows(src, Loader(dest, source=str(path), progress=progress))
                return row_counts(dest)
        except OperationalError as exc:
            raise BackupError(f"{path}: {migrate.first_line(exc)}") from None
        finally:
            source.dispose()
