"""The worker on both engines: outcomes recorded, messages written, interrupted claims failed, never re-sent."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.orm import Session
from typer.testing import Result

from everreach import config
from everreach.config import get_settings
from everreach.db.models import Contact, Conversation, Message, MessageExternalId, OutreachAttempt, OutreachItem
from everreach.outreach import queue
from everreach.outreach.claims import INTERRUPTED
from everreach.outreach.senders import make_sender
from everreach.outreach.worker import MAX_DEFERRALS, Step, Worker
from tests.outreach.factories import T0, Clock, make_contact, open_pacing
from tests.outreach.servers import Reply, serve


def _worker(engine: Engine, clock: Clock, sender: str | None = None) -> Worker:
    return Worker(engine, sender=make_sender(get_settings(), sender), clock=clock)


def _row(session: Session, item_id: object) -> OutreachItem:
    session.expire_all()
    row = session.get(OutreachItem, item_id)
    assert row is not None
    return row


def test_sent_row_becomes_an_automated_outbound_message(engine: Engine, session: Session) -> None:
    touch = T0 - timedelta(days=3)
    contact = make_contact(session, username="ann", last_touch=touch, inbound_at=touch)
    item = queue.add_to_queue(session, username="ann", text="hey ann, any news on the launch?", now=T0)
    session.commit()
    clock = Clock()
    with serve(lambda r: Reply(json_body={"success": True, "messageId": "dm-77"})) as srv:
        config.configure(**open_pacing(sender="dm-server", dm_server_url=srv.url))
        with _worker(engine, clock) as w:
            clock.advance(seconds=5)
            step = w.step()
    assert step.kind == "sent"
    assert srv.bodies() == [{"username": "ann", "text": "hey ann, any news on the launch?"}]
    row = _row(session, item.id)
    assert (row.status, row.sent_at, row.error) == ("sent", T0 + timedelta(seconds=5), None)
    [attempt] = session.scalars(select(OutreachAttempt)).all()
    assert (attempt.outcome, attempt.sender, attempt.claimed_at) == ("sent", "dm-server", T0 + timedelta(seconds=5))
    [outbound] = session.scalars(select(Message).where(Message.is_outbound.is_(True))).all()
    assert outbound.sent_by_automation is True
    assert outbound.message_text == "hey ann, any news on the launch?"
    assert outbound.sent_at == T0 + timedelta(seconds=5)
    assert session.get(MessageExternalId, "dm-77") is not None
    refreshed = session.get(Contact, contact.id)
    assert refreshed is not None
    assert refreshed.total_messages_sent == 1
    assert refreshed.last_meaningful_touch == touch  # automated sends are never a meaningful touch
    [conversation] = session.scalars(select(Conversation)).all()
    assert conversation.last_message_is_outbound is True
    assert conversation.last_message_at == T0 + timedelta(seconds=5)
    assert outbound.conversation_id == conversation.id


def test_graph_send_records_the_message_id(engine: Engine, session: Session) -> None:
    make_contact(session, username="ann", igsid="1784", inbound_at=T0 - timedelta(hours=1))
    queue.add_to_queue(session, username="ann", text="thanks for the intro!", now=T0)
    session.commit()
    with serve(lambda r: Reply(json_body={"recipient_id": "1784", "message_id": "mid.42"})) as srv:
        config.configure(**open_pacing(graph_api_url=srv.url, graph_access_token="t"))
        with _worker(engine, Clock(), "graph") as w:
            assert w.step().kind == "sent"
    assert srv.bodies()[0]["recipient"] == {"id": "1784"}
    link = session.get(MessageExternalId, "mid.42")
    assert link is not None
    assert link.provider == "instagram"


def test_rate_limit_reschedules_then_gives_up(engine: Engine, session: Session) -> None:
    make_contact(session, username="ann")
    item = queue.add_to_queue(session, username="ann", text="hello", now=T0)
    session.commit()
    clock = Clock()
    with serve(lambda r: Reply(status=429, json_body={"error": "slow down"}, headers={"Retry-After": "600"})) as srv:
        config.configure(**open_pacing(sender="dm-server", dm_server_url=srv.url))
        with _worker(engine, clock) as w:
            first = w.step()
            assert first.kind == "retry"
            row = _row(session, item.id)
            assert (row.status, row.scheduled_at) == ("scheduled", T0 + timedelta(seconds=600))
            assert "will retry: DM server rate limit" in (row.error or "")
            assert w.step().kind == "idle"  # not due before Retry-After
            session.rollback()
            for _ in range(MAX_DEFERRALS - 1):
                clock.advance(seconds=601)
                last = w.step()
    assert last.kind == "failed"
    assert len(srv.received) == MAX_DEFERRALS
    row = _row(session, item.id)
    assert row.status == "failed"
    assert f"gave up after {MAX_DEFERRALS} tries" in (row.error or "")


def test_failed_send_stays_failed_until_the_user_retries(engine: Engine, session: Session) -> None:
    make_contact(session, username="ann")
    item = queue.add_to_queue(session, username="ann", text="hello", now=T0)
    session.commit()
    answers = iter([Reply(json_body={"success": False, "error": "user not found"}), Reply(json_body={"success": True})])
    with serve(lambda r: next(answers)) as srv:
        config.configure(**open_pacing(sender="dm-server", dm_server_url=srv.url))
        clock = Clock()
        with _worker(engine, clock) as w:
            assert w.step().kind == "failed"
            assert _row(session, item.id).error == "DM server could not send: user not found"
            session.rollback()
            clock.advance(hours=1)
            assert w.step().kind == "idle"
            queue.retry(session, item_id=item.id)
            session.commit()
            assert w.step().kind == "sent"
    assert len(srv.received) == 2


def _backend_pid(conn: Connection) -> int | None:
    """PostgreSQL: the server process behind the connection (its advisory locks die with it)."""
    return conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one() if conn.dialect.name == "postgresql" else None


def _wait_until_gone(engine: Engine, backend: int | None) -> None:
    """A closed socket ends its PostgreSQL backend a moment later, not at once: wait for it (up to 10 s)."""
    if backend is None:
        return
    deadline = time.monotonic() + 10
    with engine.connect() as conn:
        query = text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")
        while conn.execute(query, {"pid": backend}).scalar_one():
            assert time.monotonic() < deadline, f"backend {backend} still alive 10 s after its socket closed"
            conn.rollback()
            time.sleep(0.02)


def test_interrupted_claim_fails_and_is_never_resent(engine: Engine, session: Session, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    config.configure(**open_pacing(dry_run_path=out))
    make_contact(session, username="ann")
    item = queue.add_to_queue(session, username="ann", text="hello", now=T0)
    session.commit()
    clock = Clock()
    crashed = _worker(engine, clock)
    # Claimed and committed, then the process "dies" before sending.
    claim = crashed._claimer.claim(crashed.db, clock=clock, skipped=[])
    assert not isinstance(claim, Step)
    assert _row(session, item.id).status == "sending"
    session.rollback()
    with _worker(engine, clock) as other:
        alive = other.step()  # the claimer still holds its lock: the row is left alone
        assert alive.recovered == []
        assert _row(session, item.id).status == "sending"
        session.rollback()
        # Death: the connection (PostgreSQL advisory lock) and the file lock (SQLite) go away.
        backend = _backend_pid(crashed.db.conn)
        crashed.db.conn.invalidate()
        crashed.db.conn.close()
        for fd in list(getattr(crashed.db.locks, "_fds", {}).values()):
            os.close(fd)
        _wait_until_gone(engine, backend)
        step = other.step()
        assert step.recovered == [item.id]
        assert other.step().kind == "idle"
    row = _row(session, item.id)
    assert (row.status, row.error) == ("failed", INTERRUPTED)
    [attempt] = session.scalars(select(OutreachAttempt)).all()
    assert attempt.outcome == "interrupted"
    assert not out.exists() or item.id.hex not in out.read_text()


def test_cli_worker_once_sends_and_reports_the_next_allowed_send(
    cli: Callable[..., Result], session: Session, tmp_path: Path
) -> None:
    out = tmp_path / "outbox.jsonl"
    config.configure(dry_run_path=out, active_hours_start="00:00", active_hours_end="00:00")
    make_contact(session, username="ann")
    make_contact(session, username="bob")
    session.commit()
    assert cli("queue", "add", "ann", "first").exit_code == 0
    assert cli("queue", "add", "bob", "second").exit_code == 0
    result = cli("worker", "--once")
    assert result.exit_code == 0, result.output
    assert "dry-run: writes to" in result.stdout
    assert "sent " in result.stdout
    assert "next allowed send" in result.stdout
    assert "random gap after the last send" in result.stdout
    again = cli("worker", "--once")
    assert "idle: next allowed send" in again.stdout
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [x["text"] for x in lines] == ["first"]
    listing = json.loads(cli("queue", "list", "--json").stdout)
    assert listing["counts"]["sent"] == 1
    assert listing["pacing"]["reasons"] == ["random gap after the last send"]
    waiting = [i for i in listing["items"] if i["status"] == "pending"]
    assert waiting[0]["next_attempt_at"] == listing["next_allowed_send"]
    assert session.scalar(select(func.count()).select_from(Message)) == 0  # dry-run delivers nothing


def test_cli_worker_refuses_an_unknown_sender(cli: Callable[..., Result]) -> None:
    result = cli("worker", "--once", "--sender", "fax")
    assert result.exit_code == 1
    assert "unknown sender 'fax'" in result.stderr
