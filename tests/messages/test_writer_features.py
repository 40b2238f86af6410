"""Every writer stores each message's features in the message's transaction, equal to what rebuild() computes."""

from __future__ import annotations

import socket
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from everreach.browser.store import SyncedThread, SyncStore
from everreach.browser.thread import PageMessage
from everreach.browser.times import Window
from everreach.db.models import Contact, Message
from everreach.db.models_v2 import MessageFeature
from everreach.ingest import import_export
from everreach.ingest.synthetic import generate_export
from everreach.messages.featurerows import reading_key
from everreach.messages.featurestore import rebuild
from everreach.messages.webhook import store_events
from everreach.messages.webhook_payload import parse_notification
from everreach.outreach.record import record_sent_message
from everreach.seed.defaults import seed_defaults
from everreach.understanding import classifier_for, service
from everreach.understanding import model as understanding_model

OWNER, USER = "17841400000000001", "1234567890123456"
NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
PROMISE = "i'll send you the template tomorrow"


def _rows(session: Session) -> dict[uuid.UUID, tuple[Any, ...]]:
    """Every stored features row, by message id, as comparable tuples."""
    session.expire_all()
    columns = [c for c in MessageFeature.__table__.columns if c.name != "message_id"]
    query = select(MessageFeature.message_id, *columns)
    return {row[0]: tuple(row[1:]) for row in session.execute(query)}


def _message_ids(session: Session) -> set[uuid.UUID]:
    return set(session.scalars(select(Message.id)))


def _notification(*events: dict[str, Any]) -> dict[str, Any]:
    return {"object": "instagram", "entry": [{"id": OWNER, "time": 1718000000000, "messaging": list(events)}]}


def _text(mid: str, text: str, ts: int) -> dict[str, Any]:
    message = {"mid": mid, "text": text}
    return {"sender": {"id": USER}, "recipient": {"id": OWNER}, "timestamp": ts, "message": message}


def _webhook(session: Session, *events: dict[str, Any]) -> None:
    parsed, ignored = parse_notification(_notification(*events), now=NOW)
    store_events(session, parsed, ignored=ignored)


def _write_everything(engine: Engine, session: Session, export: Path) -> dict[str, uuid.UUID]:
    """Messages through every writer: import, webhook (a new message and a deletion), outreach, browser sync."""
    seed_defaults(session)
    session.commit()
    summary = import_export(engine, export)
    assert summary.ok
    assert summary.messages_new > 0
    _webhook(
        session,
        _text("mid.a", "what do you think of my new logo?", 1718000000000),
        _text("mid.b", "thanks so much for the feedback!!", 1718000100000),
    )
    deleted = {"mid": "mid.b", "is_deleted": True}
    _webhook(session, {"sender": {"id": USER}, "recipient": {"id": OWNER}, "timestamp": 1718000200000,
                       "message": deleted})  # fmt: skip
    webhook_contact = session.scalar(select(Message.contact_id).where(Message.message_type == "deleted"))
    assert webhook_contact is not None
    sent = record_sent_message(
        session, contact_id=webhook_contact, text=PROMISE, sent_at=NOW, queue_id=uuid.uuid4(), sender="dry_run"
    )
    session.commit()
    store = SyncStore(engine)
    try:
        window = Window(NOW - timedelta(hours=1), NOW, None)
        synced = [
            PageMessage("i'm building a booking tool for dentists", "text", False, "mid.web1", window, 1),
            PageMessage(PROMISE, "text", True, "mid.web2", window, 0),
        ]
        assert store.save_thread(SyncedThread("t1", "websync", None, "primary", synced)) == 2
    finally:
        store.close()
    deleted_id = session.scalar(select(Message.id).where(Message.message_type == "deleted"))
    assert deleted_id is not None
    return {"sent": sent, "deleted": deleted_id}


@pytest.fixture
def export(tmp_path: Path) -> Path:
    """A small synthetic export (8 threads, 300 messages)."""
    folder = tmp_path / "export"
    generate_export(folder, threads=8, messages=300, seed=5, now=NOW)
    return folder


def test_every_writer_stores_features_that_rebuild_computes_again(
    engine: Engine, session: Session, export: Path
) -> None:
    special = _write_everything(engine, session, export)
    written = _rows(session)
    assert set(written) == _message_ids(session)
    key = reading_key(classifier_for(session))
    assert {row[-1] for row in written.values()} == {key}
    by_id = {mid: dict(zip([c.name for c in MessageFeature.__table__.columns][1:], row, strict=True))
             for mid, row in written.items()}  # fmt: skip
    sent = by_id[special["sent"]]
    assert (sent["automated"], sent["meaningful"], sent["intents"], sent["is_outbound"]) == (True, False, [], True)
    emptied = by_id[special["deleted"]]
    assert (emptied["excerpt"], emptied["meaningful"], emptied["intents"], emptied["length"]) == ("", False, [], 0)
    synced_promise = session.scalar(
        select(MessageFeature.intents).join(Contact, Contact.id == MessageFeature.contact_id).where(
            Contact.instagram_username == "websync", MessageFeature.is_outbound.is_(True))
    )  # fmt: skip
    assert synced_promise == ["promise"]
    assert any(row["intents"] for row in by_id.values())
    assert any(row["fit_signals"] for row in by_id.values())

    assert rebuild(session) == len(written)
    assert _rows(session) == written


def test_rebuild_fills_messages_written_before_the_table_and_stale_rows(
    engine: Engine, session: Session, export: Path
) -> None:
    seed_defaults(session)
    session.commit()
    import_export(engine, export)
    written = _rows(session)
    session.execute(MessageFeature.__table__.delete().where(MessageFeature.message_id.in_(list(written)[:40])))
    first = list(written)[40]
    session.execute(MessageFeature.__table__.update().where(MessageFeature.message_id == first).values(model_key="old"))
    steps: list[tuple[int, int]] = []
    assert rebuild(session, stale_only=True, batch=16, progress=lambda d, t: steps.append((d, t))) == 41
    assert steps[0] == (0, 41)
    assert steps[-1] == (41, 41)
    assert _rows(session) == written
    assert rebuild(session, stale_only=True) == 0


def _no_network(*args: object, **kwargs: object) -> None:
    raise AssertionError("the message writer tried to open a network connection")


def test_import_with_understanding_opens_no_network_connection(
    engine: Engine, session: Session, export: Path, monkeypatch: pytest.MonkeyPatch, engine_name: str
) -> None:
    # The test database's own server is the one address allowed (PostgreSQL runs over TCP on 127.0.0.1).
    real_connect = socket.socket.connect
    database = (engine.url.host, engine.url.port or 5432)

    def connect(sock: socket.socket, address: Any) -> None:
        if engine_name == "postgresql" and tuple(address[:2]) == database:
            return real_connect(sock, address)
        _no_network()

    seed_defaults(session)
    session.commit()
    engine.dispose()  # no pooled connection from before the block
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _no_network)
    monkeypatch.setattr(socket, "create_connection", _no_network)
    monkeypatch.setattr(understanding_model, "_LOADED", [])  # the model is read again under the block
    service.clear_cache()
    summary = import_export(engine, export)
    assert summary.messages_new > 0
    assert classifier_for(session).source == "model"
    assert set(_rows(session)) == _message_ids(session)
