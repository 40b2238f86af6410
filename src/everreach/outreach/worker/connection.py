"""The worker's one database connection, its claim locks, and reconnecting after an outage.

One connection at a time: PostgreSQL claim locks are session advisory locks and live as long as it does.
SQLite claim locks are files owned by the process, so they outlive any connection (claims.py).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from everreach.errors import ConfigError
from everreach.outreach.claims import AdvisoryLocks, ClaimLocks, FileLocks


class WorkerConnection:
    """Owns the connection the worker's transactions run on and the locks that mark its claims alive."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_postgres = engine.dialect.name == "postgresql"
        if not self.is_postgres and (not engine.url.database or engine.url.database == ":memory:"):
            raise ConfigError("the worker needs a database file, not an in-memory SQLite database")
        self.conn: Connection
        self.locks: ClaimLocks
        self._file_locks = None if self.is_postgres else FileLocks(str(engine.url.database))
        self.connect()

    def connect(self) -> None:
        """Open the connection (SQLite: every transaction begins IMMEDIATE) and bind the claim locks to it."""
        self.conn = self.engine.connect()
        if self._file_locks is None:
            self.locks = AdvisoryLocks(self.conn)
        else:
            self.conn.execution_options(sqlite_begin="IMMEDIATE")
            self.locks = self._file_locks

    def reconnect(self, *, holding: uuid.UUID | None = None) -> None:
        """Drop the connection and the pool, connect again, and retake the lock of a claim still `holding`."""
        with contextlib.suppress(SQLAlchemyError):
            self.conn.invalidate()
        with contextlib.suppress(SQLAlchemyError):
            self.conn.close()
        self.engine.dispose()
        self.connect()
        if holding is not None and self.is_postgres:
            # Keeps other workers from failing the row as interrupted while its outcome is written.
            self.locks.hold(holding)
            if self.conn.in_transaction():
                self.conn.commit()

    def close(self) -> None:
        """Close the connection, ignoring one already lost."""
        with contextlib.suppress(SQLAlchemyError):
            self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session on the connection, committed when the block ends (SQLite: after the workers' write queue)."""
        with self._writer(), Session(bind=self.conn, expire_on_commit=False) as session, session.begin():
            yield session

    def _writer(self) -> AbstractContextManager[None]:
        if isinstance(self.locks, FileLocks):
            return self.locks.writer()
        return nullcontext()

    def release_quietly(self, item_id: uuid.UUID) -> None:
        """Drop a claim's lock; on a lost connection it is already gone, and the first error is the one to report."""
        with contextlib.suppress(SQLAlchemyError):
            self.locks.release(item_id)
