"""Engines and sessions for SQLite (embedded default) and PostgreSQL / Supabase."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from everreach.config import get_settings
from everreach.errors import ConfigError


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


def _install_sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take over transaction control so BEGIN IMMEDIATE is possible (pysqlite's own is off).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Execution option sqlite_begin="IMMEDIATE" takes the write lock up front (queue claims).
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(raw_url: str | None = None, **kwargs: Any) -> Engine:
    """A new engine for the URL (default: the configured one), with SQLite set up for WAL and FKs."""
    url = normalise_url(raw_url or get_settings().resolved_database_url())
    try:
        if url.get_backend_name() == "sqlite":
            if url.database and url.database != ":memory:":
                Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
            _install_sqlite_pragmas(engine)
        else:
            kwargs.setdefault("pool_pre_ping", True)
            engine = create_engine(url, **kwargs)
    except NoSuchModuleError as exc:
        raise ConfigError(f"no driver for database URL {url.render_as_string()}") from exc
    return engine


_engines: dict[str, Engine] = {}
#: URLs whose schema version was already checked by this process (see everreach.cli.app.engine).
checked_urls: set[str] = set()


def get_engine(raw_url: str | None = None) -> Engine:
    """The shared engine for a URL (default: the configured database)."""
    key = raw_url or get_settings().resolved_database_url()
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
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work from a session factory: commit on success, roll back on error."""
    session = sessions()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One unit of work on an engine (default: the configured database)."""
    with transaction(session_factory(engine or get_engine())) as session:
        yield session


def is_sqlite(engine_or_session: Engine | Session) -> bool:
    """True when the engine (or the session's bind) is SQLite."""
    bind = engine_or_session.get_bind() if isinstance(engine_or_session, Session) else engine_or_session
    return bind.dialect.name == "sqlite"
