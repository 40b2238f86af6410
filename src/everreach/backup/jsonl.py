"""The portable backup: JSON lines (optionally gzip), one header, one line per row, one footer.

    {"everreach_backup": 1, "revision": "0002", "engine": "sqlite", "created_at": "...",
     "tables": [{"name": "instagram_contacts", "columns": [...], "rows": 2}, ...]}
    {"table": "instagram_contacts", "row": {"id": "...", "tags": ["a"], ...}}
    ...
    {"end": true, "rows": 2}

Tables come parents first, so a restore never breaks a foreign key. The footer proves the file is complete.
"""

from __future__ import annotations

import gzip
import io
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, Table

from everreach.backup.errors import CorruptBackupError
from everreach.backup.tables import (
    Loader,
    ProgressFn,
    backup_tables,
    iter_encoded_rows,
    row_counts,
    table_by_name,
)
from everreach.db.migrate import current_revision

FORMAT_VERSION = 1


@dataclass(frozen=True)
class TableHeader:
    """One table announced by a backup's header."""

    name: str
    columns: list[str]
    rows: int


@dataclass(frozen=True)
class BackupHeader:
    """A backup's first line."""

    revision: str | None
    engine: str
    created_at: str
    tables: list[TableHeader]


def _open_text(path: Path, mode: str, *, gz: bool) -> IO[str]:
    if gz:
        return io.TextIOWrapper(gzip.GzipFile(path, mode + "b"), encoding="utf-8", newline="\n")
    return path.open(mode, encoding="utf-8", newline="\n")


def _dump(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    # Valid JSON either way, but many line readers split on U+2028/U+2029: escape them.
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def write_jsonl(conn: Connection, path: Path, *, gz: bool, progress: ProgressFn | None = None) -> dict[str, int]:
    """Write every table of the connection's (snapshot) view to `path`; returns rows per table."""
    counts = row_counts(conn)
    tables = backup_tables()
    header = {
        "everreach_backup": FORMAT_VERSION,
        "revision": current_revision(conn),
        "engine": conn.dialect.name,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "tables": [{"name": t.name, "columns": [c.name for c in t.c], "rows": counts[t.name]} for t in tables],
    }
    total = 0
    with _open_text(path, "w", gz=gz) as out:
        out.write(_dump(header) + "\n")
        for table in tables:
            done = 0
            for encoded in iter_encoded_rows(conn, table):
                out.write(_dump({"table": table.name, "row": encoded}) + "\n")
                done += 1
                if progress is not None and done % 5000 == 0:
                    progress(table.name, done, counts[table.name])
            if done != counts[table.name]:
                # Only possible if the snapshot was not one; refuse to write a backup that lies.
                raise RuntimeError(f"{table.name}: counted {counts[table.name]} rows but read {done}")
            if progress is not None:
                progress(table.name, done, counts[table.name])
            total += done
        out.write(_dump({"end": True, "rows": total}) + "\n")
    return counts


def _lines(path: Path, *, gz: bool) -> Iterator[tuple[int, str]]:
    try:
        with _open_text(path, "r", gz=gz) as src:
            yield from enumerate(src, start=1)
    except UnicodeDecodeError as exc:
        raise CorruptBackupError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise CorruptBackupError(f"{path}: damaged gzip data ({exc or 'unexpected end of file'})") from None


def _parse(path: Path, number: int, line: str) -> Any:
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        what = "not an EverReach backup, " if number == 1 else ""
        raise CorruptBackupError(f"{path}: line {number}: {what}invalid JSON ({exc.msg}, column {exc.colno})") from None


def _header(path: Path, number: int, data: Any) -> BackupHeader:
    where = f"{path}: line {number}"
    if not isinstance(data, dict) or data.get("everreach_backup") is None:
        raise CorruptBackupError(f"{where}: not an EverReach backup (no header line)")
    if data["everreach_backup"] != FORMAT_VERSION:
        raise CorruptBackupError(f"{where}: backup format {data['everreach_backup']!r} is not supported")
    tables: list[TableHeader] = []
    raw_tables = data.get("tables")
    if not isinstance(raw_tables, list):
        raise CorruptBackupError(f"{where}: header has no table list")
    for entry in raw_tables:
        ok = (
            isinstance(entry, dict)
            and isinstance(entry.get("name"), str)
            and isinstance(entry.get("columns"), list)
            and all(isinstance(c, str) for c in entry["columns"])
            and isinstance(entry.get("rows"), int)
        )
        if not ok:
            raise CorruptBackupError(f"{where}: malformed table entry {entry!r:.80}")
        tables.append(TableHeader(entry["name"], entry["columns"], entry["rows"]))
    revision = data.get("revision")
    return BackupHeader(
        revision=revision if isinstance(revision, str) else None,
        engine=str(data.get("engine", "?")),
        created_at=str(data.get("created_at", "?")),
        tables=tables,
    )


def read_header(path: Path, *, gz: bool) -> BackupHeader:
    """Only the header of a backup file (to check it before touching the database)."""
    for number, line in _lines(path, gz=gz):
        return _header(path, number, _parse(path, number, line))
    raise CorruptBackupError(f"{path}: empty file, not an EverReach backup")


def _check_table(path: Path, entry: TableHeader) -> Table:
    try:
        table = table_by_name(entry.name)
    except KeyError:
        raise CorruptBackupError(f"{path}: line 1: unknown table {entry.name!r}") from None
    unknown = [c for c in entry.columns if c not in table.c]
    if unknown:
        raise CorruptBackupError(f"{path}: line 1: unknown column {entry.name}.{unknown[0]}")
    return table


def load_jsonl(loader: Loader, path: Path, *, gz: bool) -> BackupHeader:
    """Stream every row of the backup into `loader`; checks order, counts and the footer."""
    lines = _lines(path, gz=gz)
    header: BackupHeader | None = None
    announced: dict[str, tuple[Table, TableHeader]] = {}
    current: str | None = None
    seen: dict[str, int] = {}
    last = 0
    for number, line in lines:
        last = number
        data = _parse(path, number, line)
        if header is None:
            header = _header(path, number, data)
            announced = {t.name: (_check_table(path, t), t) for t in header.tables}
            continue
        if isinstance(data, dict) and data.get("end") is True:
            _finish(path, number, header, seen, data, lines)
            loader.flush()
            return header
        if not isinstance(data, dict) or not isinstance(data.get("table"), str) or "row" not in data:
            raise CorruptBackupError(f'{path}: line {number}: expected {{"table": ..., "row": {{...}}}}')
        name = data["table"]
        if name != current:
            if name not in announced:
                raise CorruptBackupError(f"{path}: line {number}: table {name!r} is not in the header")
            if name in seen:
                raise CorruptBackupError(f"{path}: line {number}: rows of {name} are not contiguous")
            table, entry = announced[name]
            loader.start_table(table, entry.columns, expected=entry.rows)
            current = name
            seen[name] = 0
        seen[name] += 1
        loader.add(data["row"], where=f"line {number}")
    if header is None:
        raise CorruptBackupError(f"{path}: empty file, not an EverReach backup")
    raise CorruptBackupError(f"{path}: ends at line {last} without its end line: the backup is truncated")


def _finish(
    path: Path,
    number: int,
    header: BackupHeader,
    seen: dict[str, int],
    footer: dict[str, Any],
    rest: Iterator[tuple[int, str]],
) -> None:
    for entry in header.tables:
        if seen.get(entry.name, 0) != entry.rows:
            raise CorruptBackupError(
                f"{path}: line {number}: {entry.name} has {seen.get(entry.name, 0)} rows, header says {entry.rows}"
            )
    if footer.get("rows") != sum(seen.values()):
        raise CorruptBackupError(f"{path}: line {number}: end line row total does not match the rows read")
    for extra, line in rest:
        if line.strip():
            raise CorruptBackupError(f"{path}: line {extra}: data after the end line")
