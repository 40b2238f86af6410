"""Reading every table as portable rows, and loading portable rows back, on either engine."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Connection, Table, delete, func, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from everreach.backup.codec import CodecError, RowDecoder, encode_row, kind_of
from everreach.backup.errors import BackupError
from everreach.db.migrate import first_line
from everreach.db.models import Base

#: (what, done, total): called now and then during long work.
ProgressFn = Callable[[str, int, int], None]

BATCH_ROWS = 1000


class LoadError(BackupError):
    """A row could not be restored; the message says where and why."""


#: Bookkeeping the database derives itself, never written to a backup: triggers fill contact_ranks,
#: contacts_to_rescore and the dashboard counts again as contacts and messages are restored, and without
#: recompute_marks the first recompute after a restore reads every message.
DERIVED = frozenset(
    {"contact_ranks", "contacts_to_rescore", "recompute_marks", "dashboard_counts", "dashboard_count_journal"}
)


def backup_tables() -> list[Table]:
    """Every EverReach table but the derived ones, parents before children (the order rows are written and
    restored)."""
    return [t for t in Base.metadata.sorted_tables if t.name not in DERIVED]


def table_by_name(name: str) -> Table:
    """The model table called `name`."""
    return Base.metadata.tables[name]


def row_counts(conn: Connection) -> dict[str, int]:
    """Rows per table."""
    return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in backup_tables()}


def clear_tables(conn: Connection) -> None:
    """Delete every row of every table, children first."""
    for table in reversed(backup_tables()):
        conn.execute(delete(table))


def iter_encoded_rows(conn: Connection, table: Table) -> Iterator[dict[str, Any]]:
    """The table's rows in primary-key order, encoded portably (SQL NULLs left out)."""
    json_columns = [c for c in table.c if kind_of(c) == "json"]
    null_flags = [c.is_(None).label(f"__null__{c.name}") for c in json_columns]
    query = select(*table.c, *null_flags).order_by(*table.primary_key.columns)
    result = conn.execution_options(yield_per=2000).execute(query)
    for row in result.mappings():
        sql_nulls = {c.name for c in json_columns if row[f"__null__{c.name}"]}
        yield encode_row(table, dict(row), sql_nulls)


class Loader:
    """Inserts decoded rows in batches, table by table, naming the source line when a row is refused."""

    def __init__(self, conn: Connection, *, source: str, progress: ProgressFn | None = None) -> None:
        self.conn = conn
        self.source = source
        self.progress = progress
        self.counts: dict[str, int] = {}
        self._decoder: RowDecoder | None = None
        self._batch: list[dict[str, Any]] = []
        self._batch_where: list[str] = []
        self._expected = 0

    def start_table(self, table: Table, columns: list[str], *, expected: int = 0) -> None:
        """Flush the previous table and begin one whose rows carry these columns."""
        self.flush()
        self._decoder = RowDecoder(table, self.conn.dialect, columns)
        self.counts.setdefault(table.name, 0)
        self._expected = expected

    def add(self, encoded: Any, *, where: str) -> None:
        """Queue one encoded row (found at `where` in the source, e.g. "line 12") for insertion."""
        assert self._decoder is not None, "start_table first"
        try:
            params = self._decoder.decode(encoded)
        except CodecError as exc:
            raise LoadError(f"{self.source}: {where}: {self._decoder.table.name}: {exc}") from None
        self._batch.append(params)
        self._batch_where.append(where)
        if len(self._batch) >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        """Insert the queued rows."""
        if not self._batch or self._decoder is None:
            return
        table = self._decoder.table
        try:
            with self.conn.begin_nested():
                self.conn.execute(insert(table), self._batch)
        except (IntegrityError, DBAPIError) as exc:
            self._pinpoint(table, exc)
        self.counts[table.name] += len(self._batch)
        if self.progress is not None:
            self.progress(table.name, self.counts[table.name], self._expected)
        self._batch = []
        self._batch_where = []

    def _pinpoint(self, table: Table, exc: Exception) -> None:
        # The batch failed as a whole; insert row by row to name the line the database refused.
        for params, where in zip(self._batch, self._batch_where, strict=True):
            try:
                with self.conn.begin_nested():
                    self.conn.execute(insert(table), [params])
            except (IntegrityError, DBAPIError) as row_exc:
                raise LoadError(
                    f"{self.source}: {where}: {table.name}: the database refused the row: {first_line(row_exc)}"
                ) from None
        span = f"{self._batch_where[0]} to {self._batch_where[-1]}"
        raise LoadError(f"{self.source}: {span}: {table.name}: {first_line(exc)}") from None
