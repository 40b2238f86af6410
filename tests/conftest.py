"""Test harness: every database test runs on SQLite and on PostgreSQL, each test isolated.

- SQLite: each test gets a fresh copy of a database file migrated once per session.
- PostgreSQL: one database per test session (so parallel runs never collide), migrated once,
  every table truncated after each test.

EVERREACH_TEST_ENGINES=sqlite (or postgresql) narrows the run; EVERREACH_TEST_PG_URL points at the server.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from everreach import config
from everreach.db import engine as engine_module
from everreach.db.engine import make_engine
from everreach.db.migrate import upgrade
from everreach.db.models import Base

PG_ADMIN_URL = os.environ.get("EVERREACH_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
ENGINES = [e.strip() for e in os.environ.get("EVERREACH_TEST_ENGINES", "sqlite,postgresql").split(",") if e.strip()]


def pg_url(database: str) -> str:
    """The admin URL with another database name."""
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    return f"{base}/{database}"


@contextmanager
def pg_scratch_database(prefix: str = "everreach_scratch") -> Iterator[str]:
    """A brand-new empty PostgreSQL database for the block; dropped afterwards."""
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(
        pg_url("postgres").replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield pg_url(name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# The slowest files (about 20-80 s each), started first: `--dist loadfile` hands files to the workers in
# collection order, so a long file collected last would leave the other workers idle at the end.
SLOW_FIRST = (
    "tests/soak/test_soak.py",
    "tests/browser/inbox/test_send.py",
    "tests/browser/inbox/test_sync.py",
    "tests/browser/inbox/test_stops_and_check.py",
    "tests/outreach/test_multiprocess.py",
    "tests/browser/test_pages.py",
    "tests/relationship/test_archetypes_db.py",
    "tests/ingest/test_interrupted.py",
    "tests/browser/inbox/test_kill_and_dm_server.py",
    "tests/browser/test_flows.py",
    "tests/relationship/test_same_on_both_engines.py",
    "tests/faults/test_pg_restart.py",
    "tests/faults/test_kill_import.py",
    "tests/faults/test_kill_worker.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the SLOW_FIRST files first, in that order; every other file keeps its place, and so does each test."""
    rank = {path: k for k, path in enumerate(SLOW_FIRST)}
    root = config.rootpath

    def file_rank(item: pytest.Item) -> int:
        try:
            relative = item.path.relative_to(root).as_posix()
        except ValueError:
            return len(rank)
        return rank.get(relative, len(rank))

    items[:] = sorted(items, key=file_rank)  # sorted() is stable


@pytest.fixture(scope="session")
def _pg_database() -> Iterator[str]:
    with pg_scratch_database("everreach_test") as url:
        eng = make_engine(url)
        upgrade(eng)
        eng.dispose()
        yield url


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    eng = make_engine(f"sqlite:///{path}")
    upgrade(eng)
    with eng.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    eng.dispose()
    return path


def _truncate_all(url: str) -> None:
    eng = make_engine(url)
    names = ", ".join(t.name for t in reversed(Base.metadata.sorted_tables))
    with eng.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    eng.dispose()


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test reads the user's config or data directory; caches start empty."""
    for key in list(os.environ):
        if key.startswith("EVERREACH_") and not key.startswith("EVERREACH_TEST_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("EVERREACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("EVERREACH_CONFIG", str(tmp_path / "no-config.toml"))
    config.reset()
    engine_module.dispose_engines()
    yield
    config.reset()
    engine_module.dispose_engines()


@pytest.fixture(params=ENGINES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database URL: a fresh SQLite file, or the session's PostgreSQL database."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        path = tmp_path / "everreach.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
    else:
        url: str = request.getfixturevalue("_pg_database")
        # Truncate before as well as after: a process a previous test started may have written late.
        _truncate_all(url)
        try:
            yield url
        finally:
            engine_module.dispose_engines()
            _truncate_all(url)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on the test database."""
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the test database; tests commit when they need the data visible elsewhere."""
    with Session(engine, expire_on_commit=False) as s:
        yield s
        s.rollback()


@pytest.fixture
def cli(db_url: str) -> Callable[..., Result]:
    """Run `everreach --db <test db> ARGS...` in-process and return the result."""
    from everreach.cli import app

    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, ["--db", db_url, *args], input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def engine_name(db_url: str) -> str:
    """'sqlite' or 'postgresql' for the current parametrisation."""
    return "sqlite" if db_url.startswith("sqlite") else "postgresql"


@pytest.fixture
def cli_runner_pg() -> Callable[..., Result]:
    """Run `everreach --db URL ARGS...` in-process against any URL (for scratch databases)."""
    from everreach.cli import app

    runner = CliRunner()

    def invoke(url: str, *args: str) -> Result:
        return runner.invoke(app, ["--db", url, *args], catch_exceptions=False)

    return invoke
