"""Write units (`transaction(write=True)`) run one at a time on both engines; found by tests/soak.

A unit that reads a row and writes it back (a value-log entry appended, "queue unless one is open") lost the
other's write when two ran at once: SQLite (a read snapshot) and PostgreSQL (READ COMMITTED) both let the
second unit read the row before the first committed. Write requests, `score` and the upload's rescore are
such units; on PostgreSQL, import batches take the same lock (a full recompute and a batch deadlocked).
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.orm import Session

from everreach.db.engine import session_factory, take_write_unit_lock, transaction
from everreach.db.models import Contact


@pytest.fixture
def one_contact(engine: Engine) -> Engine:
    """The engine, with one contact whose value log the units append to."""
    with engine.begin() as conn:
        conn.execute(insert(Contact), [{"instagram_username": "shared", "value_delivered_log": []}])
    return engine


def _append(session: Session, note: str, *, pause: float) -> None:
    contact = session.scalars(select(Contact).where(Contact.instagram_username == "shared")).one()
    log = list(contact.value_delivered_log or [])
    time.sleep(pause)  # the other unit runs now, if it may
    contact.value_delivered_log = [*log, {"note": note}]


def _notes(engine: Engine) -> list[str]:
    with Session(engine) as session:
        contact = session.scalars(select(Contact).where(Contact.instagram_username == "shared")).one()
        return sorted(e["note"] for e in contact.value_delivered_log or [])


def test_two_write_units_keep_both_appends(one_contact: Engine) -> None:
    sessions = session_factory(one_contact)
    errors: list[BaseException] = []

    def unit(note: str) -> None:
        try:
            with transaction(sessions, write=True) as session:
                _append(session, note, pause=0.3)
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=unit, args=(n,)) for n in ("first", "second")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _notes(one_contact) == ["first", "second"]


def test_a_write_unit_waits_for_the_one_running(one_contact: Engine) -> None:
    sessions = session_factory(one_contact)
    inside = threading.Event()
    order: list[str] = []

    def long_unit() -> None:
        with transaction(sessions, write=True) as session:
            _append(session, "long", pause=0)
            inside.set()
            time.sleep(0.5)
            order.append("long ends")

    holder = threading.Thread(target=long_unit)
    holder.start()
    assert inside.wait(10)
    with transaction(sessions, write=True) as session:
        session.execute(text("SELECT 1"))  # its first statement waits (the lock is taken there)
        order.append("second starts")
        _append(session, "second", pause=0)
    holder.join()
    assert order == ["long ends", "second starts"]
    assert _notes(one_contact) == ["long", "second"]


def test_a_plain_unit_does_not_wait_to_read(one_contact: Engine) -> None:
    """Readers are never held up by a write unit (only other write units and import batches are)."""
    sessions = session_factory(one_contact)
    inside, done = threading.Event(), threading.Event()

    def long_unit() -> None:
        with transaction(sessions, write=True) as session:
            _append(session, "long", pause=0)
            session.flush()
            inside.set()
            done.wait(10)

    holder = threading.Thread(target=long_unit)
    holder.start()
    try:
        assert inside.wait(10)
        started = time.monotonic()
        with transaction(sessions) as session:
            assert session.scalar(select(Contact.instagram_username)) == "shared"
        assert time.monotonic() - started < 2
    finally:
        done.set()
        holder.join()


def test_the_lock_is_the_one_import_batches_take(engine: Engine, engine_name: str) -> None:
    if engine_name != "postgresql":
        pytest.skip("SQLite batches take SQLite's own write lock (BEGIN IMMEDIATE)")
    sessions = session_factory(engine)
    with transaction(sessions, write=True) as session, engine.connect() as other:
        session.execute(text("SELECT 1"))  # the unit's first statement takes the lock
        other.execute(text("SET lock_timeout = '200ms'"))
        with pytest.raises(Exception, match="lock timeout"):
            take_write_unit_lock(other)


def test_a_write_unit_takes_the_lock_at_its_first_statement_not_before(one_contact: Engine) -> None:
    """A request's unit is opened on one thread and used on another: until it touches the database it holds
    nothing, so another write unit runs meanwhile."""
    sessions = session_factory(one_contact)
    with transaction(sessions, write=True) as idle:
        done = threading.Event()

        def other_unit() -> None:
            with transaction(sessions, write=True) as session:
                _append(session, "other", pause=0)
            done.set()

        worker = threading.Thread(target=other_unit)
        worker.start()
        assert done.wait(10), "a write unit that has not touched the database held the lock"
        worker.join()
        _append(idle, "idle", pause=0)
    assert _notes(one_contact) == ["idle", "other"]
