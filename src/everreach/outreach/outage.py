"""Database outages under a running worker: which errors are one, and how long to wait before trying again.

A worker meets an outage when PostgreSQL restarts or the network drops (the driver reports a lost or
refused connection), or when SQLite stays locked beyond its busy timeout. None of these is a reason to
stop: the worker reports the outage, drops its connections, waits with capped exponential backoff and
resumes. Errors in the statements themselves (a missing table, a bad value) are not outages.
"""

from __future__ import annotations

import sqlite3
import sys
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

#: SQLite errors that pass when the other writer or the disk lets go; any other SQLite error is a real one.
SQLITE_TRANSIENT = ("database is locked", "database is busy", "disk i/o error", "unable to open database file")
FIRST_DELAY = 1.0
MAX_DELAY = 30.0


def is_outage(exc: BaseException) -> bool:
    """True when `exc` says the database is unreachable or busy for now, not that a statement is wrong."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if isinstance(orig, sqlite3.Error):
        return isinstance(orig, sqlite3.OperationalError) and str(orig).lower().startswith(SQLITE_TRANSIENT)
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    # psycopg raises OperationalError for refused, lost and terminated connections (and serialisation
    # failures, which also pass on a retry); InterfaceError for a connection already closed.
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    psycopg = sys.modules.get("psycopg")  # only loaded when PostgreSQL is in use; importing it costs 0.5 s
    return psycopg is not None and isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError)


#: What a worker says while another program holds SQLite's write lock beyond the busy timeout.
BUSY_WORDS = "another program (an import, a recompute or a restore) is still writing to the database; waiting its turn"


def is_busy(exc: BaseException) -> bool:
    """True when SQLite's write lock is held by another writer (not a fault: the worker waits its turn)."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    text = str(orig).lower()
    return isinstance(orig, sqlite3.OperationalError) and text.startswith(("database is locked", "database is busy"))


def describe(exc: BaseException) -> str:
    """One line naming the outage in words: the driver's first line, as the CLI shows database errors, or, for
    a SQLite file another writer holds, what is going on."""
    if is_busy(exc):
        return BUSY_WORDS
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@dataclass
class Backoff:
    """Capped exponential delays: 1, 2, 4, ... seconds, never more than `cap`."""

    first: float = FIRST_DELAY
    cap: float = MAX_DELAY
    _next: float = 0.0

    def next_delay(self) -> float:
        """The delay before the next try, doubling each time up to the cap."""
        delay = self._next or self.first
        self._next = min(delay * 2, self.cap)
        return min(delay, self.cap)

    def reset(self) -> None:
        """Start again from the first delay (after the database came back)."""
        self._next = 0.0


@dataclass(frozen=True)
class Outage:
    """A report for the worker's caller: the database went away (or came back)."""

    error: str
    #: Seconds since the outage began.
    down_for: float
    #: Seconds until the next try; None when the database is back.
    retry_in: float | None = None

    @property
    def resumed(self) -> bool:
        """True for the report that the database is back."""
        return self.retry_in is None
