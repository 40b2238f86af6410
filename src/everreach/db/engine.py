"""Engines and sessions for SQLite (embedded default) and PostgreSQL / Supabase.

SQLite allows one writer at a time, and a read transaction that later writes gets SQLITE_BUSY at once, without
waiting, when another connection committed since its first read. So on SQLite every transaction starts
DEFERRED (readers never take the write lock) and, at its first write statement, waits for this process's
writer turn, ends its (read-only) snapshot and starts again with BEGIN IMMEDIATE, which honours the busy
timeout. A read-then-write unit then behaves like PostgreSQL's READ COMMITTED; a unit that must not
interleave with other writers at all takes the lock before it reads (`write=True`, or the execution option
sqlite_begin="IMMEDIATE").
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from everreach.errors import ConfigError

if TYPE_CHECKING:  # the ORM (and the settings) load on first use: a Core-only read never needs them
    from sqlalchemy.orm import Session, sessionmaker


def normalise_url(raw: str) -> URL:
    """Parse a database URL, mapping postgres:// and postgresql:// to the psycopg 3 driver."""
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError) as exc:
        raise ConfigError(f"invalid database URL {raw!r}: expected sqlite:///PATH or postgresql://...") from exc
    backend = url.get_backend_name()
    if backend in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    elif backend != "sqlite":
        raise ConfigError(f"unsupported database {backend!r} in URL: use sqlite:///PATH or postgresql://...")
    return url


#: How long a writer waits for the lock (SQLite's busy timeout, and this process's writer turn).
BUSY_TIMEOUT_SECONDS = 30
#: SQLite reads the file through a memory map of up to this size (shared by every connection, pages come from
#: the OS cache without a read call each): a newest-first search scan or a contact page touches pages at
#: random, and through the default 2 MB page cache each one was a system call (bench/api_load, 100k contacts).
MMAP_BYTES = 1 << 30
_WRITE_START = re.compile(
    r"\s*(?:(?:--[^\n]*(?:\n|$)|/\*.*?\*/)\s*)*"
    r"(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|SAVEPOINT|REINDEX|ANALYZE|WITH)\b",
    re.IGNORECASE | re.DOTALL,
)
_CTE_WRITE = re.compile(r"\b(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


def is_write_statement(statement: str) -> bool:
    """True when the SQL may write (or opens a savepoint): a SQLite transaction needs the write lock first."""
    match = _WRITE_START.match(statement)
    if match is None:
        return False
    if match.group(1).upper() == "WITH":
        return _CTE_WRITE.search(statement, match.end()) is not None
    return True


def _locked(message: str) -> OperationalError:
    return OperationalError(None, None, sqlite3.OperationalError(f"database is locked: {message}"))


class WriterTurn:
    """One writer at a time on one SQLite file within this process; the others wait (up to the busy timeout)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owner: int | None = None

    def take(self, timeout: float = BUSY_TIMEOUT_SECONDS) -> bool:
        """Wait for the turn; False (not taken) when this thread already writes on another connection."""
        me = threading.get_ident()
        if self._owner == me:
            return False  # a nested connection of the same thread: SQLite's busy timeout decides
        if not self._lock.acquire(timeout=timeout):
            raise _locked(f"another writer in this process kept it for {timeout:.0f} s")
        self._owner = me
        return True

    def give_back(self) -> None:
        """Let the next writer in."""
        self._owner = None
        self._lock.release()


_turns: dict[str, WriterTurn] = {}
_turns_lock = threading.Lock()


def writer_turn(path: str) -> WriterTurn:
    """The process-wide writer turn of one SQLite file."""
    key = str(Path(path).expanduser().resolve())
    with _turns_lock:
        return _turns.setdefault(key, WriterTurn())


class SQLiteConnection(sqlite3.Connection):
    """A pysqlite connection that knows whether its transaction reads or writes, and holds the writer turn."""

    turn: WriterTurn | None = None
    holds_turn = False
    writing = False
    reading = False
    changes_at_begin = 0

    def take_turn(self) -> None:
        """Wait for this process's writer turn on the file (once per transaction)."""
        if self.turn is not None and not self.holds_turn:
            self.holds_turn = self.turn.take()

    def began(self, *, writing: bool) -> None:
        """Record a BEGIN (IMMEDIATE when `writing`)."""
        self.writing, self.reading = writing, not writing
        self.changes_at_begin = self.total_changes

    def upgrade(self) -> None:
        """Before the first write of a DEFERRED transaction: wait for the turn and the lock, then write."""
        self.take_turn()
        self.reading, self.writing = False, True
        if self.total_changes != self.changes_at_begin:
            return  # it already wrote (raw DBAPI), so it holds SQLite's write lock
        # Nothing written yet: ending the read snapshot loses nothing, and BEGIN IMMEDIATE waits its turn.
        self.execute("COMMIT")
        try:
            self.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise _locked(f"another process kept the write lock for {BUSY_TIMEOUT_SECONDS} s") from exc

    def ended(self) -> None:
        """The transaction is over: give the writer turn back."""
        self.reading = self.writing = False
        if self.holds_turn and self.turn is not None:
            self.holds_turn = False
            self.turn.give_back()

    def commit(self) -> None:
        """Commit, then give the turn back."""
        try:
            super().commit()
        finally:
            self.ended()

    def rollback(self) -> None:
        """Roll back, then give the turn back."""
        try:
            super().rollback()
        finally:
            self.ended()

    def close(self) -> None:
        """Close, giving the turn back if a transaction was left open."""
        try:
            super().close()
        finally:
            self.ended()


def _install_sqlite_pragmas(engine: Engine, turn: WriterTurn | None) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take over transaction control so BEGIN IMMEDIATE is possible (pysqlite's own is off).
        dbapi_conn.isolation_level = None
        dbapi_conn.turn = turn
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
        cur.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Execution option sqlite_begin="IMMEDIATE" takes the write lock up front (queue claims, imports).
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        dbapi_conn: SQLiteConnection = conn.connection.dbapi_connection
        writing = mode != "DEFERRED"
        if writing:
            dbapi_conn.take_turn()
        try:
            if writing:  # may wait for the lock and fail: SQLAlchemy wraps that error in its own
                conn.exec_driver_sql(f"BEGIN {mode}")
            else:  # takes no lock: straight to the driver, without SQLAlchemy's execution (every request)
                dbapi_conn.execute("BEGIN DEFERRED")
        except BaseException:
            dbapi_conn.ended()
            raise
        dbapi_conn.began(writing=writing)

    @event.listens_for(engine, "before_cursor_execute")
    def _before_execute(_conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        dbapi_conn = cursor.connection
        if dbapi_conn.reading and is_write_statement(statement):
            dbapi_conn.upgrade()


def make_engine(raw_url: str | None = None, **kwargs: Any) -> Engine:
    """A new engine for the URL (default: the configured one), with SQLite set up for WAL and FKs."""
    url = normalise_url(raw_url or _configured_url())
    try:
        if url.get_backend_name() == "sqlite":
            turn = None
            if url.database and url.database != ":memory:":
                Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
                turn = writer_turn(url.database)
            connect_args = {"timeout": BUSY_TIMEOUT_SECONDS, "factory": SQLiteConnection}
            engine = create_engine(url, connect_args=connect_args, **kwargs)
            _install_sqlite_pragmas(engine, turn)
        else:
            kwargs.setdefault("pool_pre_ping", True)
            engine = create_engine(url, **kwargs)
    except NoSuchModuleError as exc:
        raise ConfigError(f"no driver for database URL {url.render_as_string()}") from exc
    return engine


def _configured_url() -> str:
    from everreach import config

    return config.database_url()


_engines: dict[str, Engine] = {}
#: URLs whose schema version was already checked by this process (see everreach.cli.app.engine).
checked_urls: set[str] = set()


def get_engine(raw_url: str | None = None) -> Engine:
    """The shared engine for a URL (default: the configured database)."""
    key = raw_url or _configured_url()
    if key not in _engines:
        _engines[key] = make_engine(key)
    return _engines[key]


def dispose_engines() -> None:
    """Close every shared engine's connections and forget them (tests, forked workers)."""
    for eng in _engines.values():
        eng.dispose()
    _engines.clear()
    checked_urls.clear()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    from sqlalchemy.orm import sessionmaker

    return sessionmaker(engine, expire_on_commit=False)


#: PostgreSQL advisory lock key of the `write=True` units (any constant apart from the worker's pacing lock).
WRITE_UNIT_LOCK_KEY = 0x0E7E_4EAC_0000_0002
_WRITE_UNIT_LOCK = text("SELECT pg_advisory_xact_lock(:k)")


def take_write_unit_lock(bind: Connection | Session) -> None:
    """PostgreSQL: wait until no other write unit (or import batch) runs; held until this transaction ends.

    Units that update many contacts (a full recompute, an import batch) would otherwise lock the same rows in
    different orders and deadlock; one at a time, as SQLite runs them anyway.
    """
    bind.execute(_WRITE_UNIT_LOCK, {"k": WRITE_UNIT_LOCK_KEY})


def _unit_session(sessions: sessionmaker[Session], *, write: bool) -> Session:
    """A session; for a write unit, one whose every transaction begins holding the write lock."""
    if not write:
        return sessions()
    engine: Engine = sessions.kw["bind"]
    if engine.dialect.name == "sqlite":
        return sessions(bind=engine.execution_options(sqlite_begin="IMMEDIATE"))
    session = sessions()
    event.listen(session, "after_begin", lambda _session, _tx, conn: take_write_unit_lock(conn))
    return session


@contextmanager
def transaction(sessions: sessionmaker[Session], *, write: bool = False) -> Iterator[Session]:
    """One unit of work from a session factory: commit on success, roll back on error.

    `write=True` is for a unit that reads what it then writes (appending to a JSON log, "insert unless one
    exists"): it runs alone among such units, so no other one interleaves between its read and its write.
    SQLite: the write lock is taken before the first read. PostgreSQL: a transaction-scoped advisory lock
    (READ COMMITTED alone would let two units read the same row, and the second write undo the first).
    Without it a unit still writes safely: it waits for the lock at its first write.

    The lock is taken when the unit first touches the database, not when the session is made: a unit whose
    session is opened and committed on one thread and used on another (a web request) holds it only while
    it works (bench/api_load: held across thread hand-offs it capped the server at about 20 writes/s).
    """
    session = _unit_session(sessions, write=write)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def session_scope(engine: Engine | None = None, *, write: bool = False) -> Iterator[Session]:
    """One unit of work on an engine (default: the configured database); see `transaction` for `write`."""
    with transaction(session_factory(engine or get_engine()), write=write) as session:
        yield session


def is_sqlite(engine_or_session: Engine | Session) -> bool:
    """True when the engine (or the session's bind) is SQLite."""
    bind = engine_or_session if isinstance(engine_or_session, Engine) else engine_or_session.get_bind()
    return bind.dialect.name == "sqlite"
