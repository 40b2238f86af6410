"""Database outages under the worker, injected in-process on both engines (the real restart: tests/faults)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import psycopg
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from everreach import config
from everreach.config import get_settings
from everreach.db.models import Message, OutreachAttempt, OutreachItem
from everreach.errors import DatabaseError
from everreach.outreach import queue
from everreach.outreach.outage import BUSY_WORDS, Backoff, Outage, describe, is_outage
from everreach.outreach.senders import make_sender
from everreach.outreach.worker import Step, Worker
from tests.outreach.factories import T0, Clock, make_contact, open_pacing


def _lost() -> OperationalError:
    return OperationalError("COMMIT", {}, psycopg.OperationalError("server closed the connection unexpectedly"))


def test_outage_errors_are_told_apart_from_statement_errors() -> None:
    assert is_outage(_lost())
    assert is_outage(psycopg.OperationalError("connection failed: Connection refused"))
    assert is_outage(OperationalError("BEGIN", {}, sqlite3.OperationalError("database is locked")))
    assert not is_outage(OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: x")))
    assert not is_outage(IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed")))
    assert not is_outage(ValueError("database is locked"))


def test_a_sqlite_file_held_by_another_writer_is_told_in_words_and_other_outages_by_the_driver() -> None:
    busy = OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))
    assert describe(busy) == BUSY_WORDS
    assert "locked" not in describe(busy)
    assert describe(OperationalError("BEGIN", {}, sqlite3.OperationalError("disk I/O error"))) == "disk I/O error"
    assert describe(_lost()) == "server closed the connection unexpectedly"


def test_backoff_doubles_up_to_the_cap_and_starts_again_after_reset() -> None:
    backoff = Backoff(first=1, cap=10)
    assert [backoff.next_delay() for _ in range(6)] == [1, 2, 4, 8, 10, 10]
    backoff.reset()
    assert backoff.next_delay() == 1


def _queue_two(session: Session) -> None:
    for name in ("ann", "bob"):
        make_contact(session, username=name)
        queue.add_to_queue(session, username=name, text=f"hello {name}", now=T0)
    session.commit()


def _fail_writes(monkeypatch: pytest.MonkeyPatch, times: int, *, after_commit: bool = False) -> Callable[[], int]:
    """The next `times` outcome writes raise a lost connection (after committing, with `after_commit`)."""
    original = Worker._record
    calls = {"failed": 0}

    def flaky(self: Worker, written: object) -> Step:
        if calls["failed"] < times:
            calls["failed"] += 1
            if after_commit:
                original(self, written)  # type: ignore[arg-type]
            raise _lost()
        return original(self, written)  # type: ignore[arg-type]

    monkeypatch.setattr(Worker, "_record", flaky)
    return lambda: calls["failed"]


def _run(engine: Engine) -> tuple[list[Step], list[Outage], list[float]]:
    steps: list[Step] = []
    outages: list[Outage] = []
    sleeps: list[float] = []
    with Worker(engine, sender=make_sender(get_settings(), "dm-server"), clock=Clock()) as worker:
        worker.run(drain=True, on_step=steps.append, on_outage=outages.append, sleep=sleeps.append)
    return steps, outages, sleeps


@pytest.mark.parametrize("after_commit", [False, True], ids=["write-lost", "ack-lost"])
def test_outcome_lost_mid_send_is_written_after_reconnecting_and_never_resent(
    engine: Engine, session: Session, monkeypatch: pytest.MonkeyPatch, after_commit: bool
) -> None:
    from tests.outreach.servers import dm_server_ok, serve

    _queue_two(session)
    failed = _fail_writes(monkeypatch, 3, after_commit=after_commit)
    with serve(dm_server_ok) as srv:
        config.configure(**open_pacing(sender="dm-server", dm_server_url=srv.url))
        steps, outages, sleeps = _run(engine)
        texts = sorted(body["text"] for body in srv.bodies())
    assert failed() == 3
    assert texts == ["hello ann", "hello bob"]  # each sent once, though its outcome write failed 3 times
    assert sleeps == [1, 2, 4]  # waited, with backoff
    assert [o.resumed for o in outages] == [False, False, False, True]
    assert "server closed the connection unexpectedly" in outages[0].error
    assert [s.kind for s in steps] == ["sent", "sent", "idle"]
    session.expire_all()
    assert set(session.scalars(select(OutreachItem.status)).all()) == {"sent"}
    assert sorted(session.scalars(select(OutreachAttempt.outcome)).all()) == ["sent", "sent"]
    # The write that committed before its acknowledgement was lost is not written a second time.
    assert session.scalar(select(func.count()).select_from(Message).where(Message.is_outbound.is_(True))) == 2


def test_drain_gives_up_after_a_bounded_outage_and_the_row_is_never_resent(
    engine: Engine, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.outreach.servers import dm_server_ok, serve

    _queue_two(session)
    _fail_writes(monkeypatch, 1_000)
    sleeps: list[float] = []
    with serve(dm_server_ok) as srv:
        config.configure(**open_pacing(sender="dm-server", dm_server_url=srv.url))
        with (
            Worker(engine, sender=make_sender(get_settings(), "dm-server"), clock=Clock()) as worker,
            pytest.raises(DatabaseError) as raised,
        ):
            worker.run(drain=True, sleep=sleeps.append, give_up_after=20)
        assert len(srv.bodies()) == 1
        assert sleeps == [1, 2, 4, 8, 5]  # backoff, cut short at the limit
        message = str(raised.value)
        assert message.startswith("database unavailable for 20s, giving up: server closed the connection")
        assert "outcome is unrecorded" in message
        assert "\n" not in message
        monkeypatch.undo()
        config.configure(**open_pacing(sender="dm-server", dm_server_url=srv.url))
        # The next worker fails the unrecorded row as interrupted and sends only the other one.
        steps, outages, _ = _run(engine)
        assert len(srv.bodies()) == 2
    assert outages == []
    assert steps[0].recovered
    assert steps[0].kind == "sent"
    session.expire_all()
    statuses = sorted(session.execute(select(OutreachItem.status, OutreachItem.error)).all())
    assert statuses == [("failed", "interrupted: delivery unknown"), ("sent", None)]
