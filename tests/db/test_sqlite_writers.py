"""SQLite under concurrent use: writers wait their turn, readers never wait (issue 17, finding 2).

"Another process" is a real subprocess writing in short IMMEDIATE transactions, the way an import commits
batch by batch; "another writer in this process" is a thread on the same engine.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select
from typer.testing import CliRunner

from everreach.cli import app
from everreach.db.engine import make_engine, session_factory, session_scope, transaction
from everreach.db.models import Contact
from everreach.relationship import service

# A stand-in for a long import in another process: short write transactions with a breath between them.
HOLDER = textwrap.dedent(
    """
    import sqlite3, sys, time, uuid
    path, batches, hold, pause = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    conn.execute("PRAGMA busy_timeout=30000")
    for i in range(batches):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO instagram_contacts (id, instagram_username) VALUES (?, ?)",
            (uuid.uuid4().hex, f"imported_{i}"),
        )
        if i == 0:
            print("writing", flush=True)
        time.sleep(hold)
        conn.execute("COMMIT")
        time.sleep(pause)
    print("done", flush=True)
    """
)


@pytest.fixture
def sqlite_url(_sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated SQLite file of its own."""
    path = tmp_path / "everreach.db"
    shutil.copyfile(_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def eng(sqlite_url: str) -> Iterator[Engine]:
    """An engine on the test file."""
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


def _add_contacts(engine: Engine, names: list[str]) -> None:
    with engine.begin() as conn:
        conn.execute(insert(Contact), [{"id": uuid.uuid4(), "instagram_username": n} for n in names])


class Holder:
    """The subprocess writer; `start()` returns once it holds the write lock."""

    def __init__(self, url: str, *, batches: int, hold: float, pause: float) -> None:
        path = url.removeprefix("sqlite:///")
        args = [sys.executable, "-c", HOLDER, path, str(batches), str(hold), str(pause)]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def start(self) -> Holder:
        """Wait until the other process is inside its first write transaction."""
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line.strip() == "writing", self.proc.stderr.read() if self.proc.stderr else line
        return self

    def finish(self) -> None:
        """The other process ended cleanly."""
        out, err = self.proc.communicate(timeout=60)
        assert self.proc.returncode == 0, err
        assert out.strip().endswith("done")


def test_a_write_after_another_writer_committed_succeeds(eng: Engine) -> None:
    """A unit that read, then writes after another connection committed, waits for the lock (no BUSY)."""
    _add_contacts(eng, ["ann"])
    other = make_engine(str(eng.url))
    try:
        with session_scope(eng) as session:
            ann = session.scalar(select(Contact).where(Contact.instagram_username == "ann"))
            assert ann is not None  # this transaction now reads from a snapshot
            _add_contacts(other, ["bob"])  # another writer commits after that snapshot
            ann.bio = "written after bob"
            session.flush()
    finally:
        other.dispose()
    with session_scope(eng) as session:
        assert session.scalar(select(Contact.bio).where(Contact.instagram_username == "ann")) == "written after bob"
        assert session.scalar(select(func.count()).select_from(Contact)) == 2


def test_cli_score_and_a_contact_write_wait_for_an_import_in_another_process(sqlite_url: str, eng: Engine) -> None:
    """`everreach score` and `everreach value` during another process's batched writes: both succeed."""
    _add_contacts(eng, [f"u{i}" for i in range(30)])
    runner = CliRunner()
    holder = Holder(sqlite_url, batches=12, hold=0.25, pause=0.05).start()
    try:
        for _ in range(3):
            scored = runner.invoke(app, ["--db", sqlite_url, "score"])
            assert scored.exit_code == 0, scored.output
            valued = runner.invoke(app, ["--db", sqlite_url, "value", "u1", "link", "a link while importing"])
            assert valued.exit_code == 0, valued.output
    finally:
        holder.finish()
    with session_scope(eng) as session:
        log = session.scalar(select(Contact.value_delivered_log).where(Contact.instagram_username == "u1"))
        assert log is not None
        assert len(log) == 3
        assert session.scalar(select(func.count()).select_from(Contact)) == 42


def test_two_writers_in_one_process_both_finish(eng: Engine) -> None:
    """Threads writing read-then-write units on one engine: no error, every write kept."""
    names = [f"t{i}" for i in range(4)]
    _add_contacts(eng, names)
    sessions = session_factory(eng)
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            for i in range(12):
                with transaction(sessions) as session:
                    service.record_value(session, username=name, kind="link", note=f"note {i}")
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors[0]
    with session_scope(eng) as session:
        for name in names:
            log = session.scalar(select(Contact.value_delivered_log).where(Contact.instagram_username == name))
            assert log is not None
            assert len(log) == 12


def test_write_units_of_one_contact_are_serialised(eng: Engine) -> None:
    """`write=True` units take the lock before they read: concurrent appends to one contact all survive."""
    _add_contacts(eng, ["same"])
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for i in range(8):
                with session_scope(eng, write=True) as session:
                    service.record_value(session, username="same", kind="link", note=f"note {i}")
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors[0]
    with session_scope(eng) as session:
        log = session.scalar(select(Contact.value_delivered_log).where(Contact.instagram_username == "same"))
        assert log is not None
        assert len(log) == 24


def test_reads_do_not_wait_for_a_writer_in_another_process(sqlite_url: str, eng: Engine) -> None:
    """While another process holds the write lock, read units and read-only commands answer at once."""
    _add_contacts(eng, ["ann"])
    holder = Holder(sqlite_url, batches=1, hold=4.0, pause=0.0).start()
    try:
        began = time.monotonic()
        with session_scope(eng) as session:
            assert session.scalar(select(func.count()).select_from(Contact)) == 1
        result = CliRunner().invoke(app, ["--db", sqlite_url, "status"])
        assert result.exit_code == 0, result.output
        result = CliRunner().invoke(app, ["--db", sqlite_url, "contacts"])
        assert result.exit_code == 0, result.output
        assert time.monotonic() - began < 2.5
    finally:
        holder.finish()


def test_reads_do_not_wait_for_a_writer_in_this_process(eng: Engine) -> None:
    """A thread inside a write unit does not hold up another thread's read unit."""
    _add_contacts(eng, ["ann"])
    writing, release = threading.Event(), threading.Event()

    def writer() -> None:
        with session_scope(eng, write=True) as session:
            session.execute(select(Contact.id)).all()
            writing.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert writing.wait(10)
        began = time.monotonic()
        with session_scope(eng) as session:
            assert session.scalar(select(func.count()).select_from(Contact)) == 1
        assert time.monotonic() - began < 1.0
    finally:
        release.set()
        thread.join(10)
