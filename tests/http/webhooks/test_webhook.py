"""The Instagram webhook: verification handshake, signatures, every event kind, dedupe, batches."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from everreach.db.models import Contact, ContactIdentity, Message, MessageExternalId
from everreach.http.webhooks.signature import sign
from tests.http.conftest import APP_SECRET, VERIFY_TOKEN, add_contact

OWNER = "17841400000000001"
USER = "1234567890123456"


def notification(*events: dict[str, Any], field: str = "messaging") -> dict[str, Any]:
    """A notification shaped like Meta's documented examples."""
    return {"object": "instagram", "entry": [{"id": OWNER, "time": 1718000000000, field: list(events)}]}


def text_event(mid: str, text: str, *, ts: int = 1718000000000, echo: bool = False) -> dict[str, Any]:
    """A text message from the user (or our echo)."""
    sender, recipient = (OWNER, USER) if echo else (USER, OWNER)
    message: dict[str, Any] = {"mid": mid, "text": text}
    if echo:
        message["is_echo"] = True
    return {"sender": {"id": sender}, "recipient": {"id": recipient}, "timestamp": ts, "message": message}


def post(client: Any, payload: Any, *, secret: str | None = APP_SECRET, header: str | None = None) -> Any:
    """POST a body signed like Meta does (or with the given header / none)."""
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers["X-Hub-Signature-256"] = header
    elif secret is not None:
        headers["X-Hub-Signature-256"] = sign(body, secret)
    return client.post("/webhooks/instagram", content=body, headers=headers)


def count(session: Session, model: Any) -> int:
    session.commit()  # end the read snapshot so the app's writes are visible
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_verify_handshake(client: Any) -> None:
    ok = client.get(
        "/webhooks/instagram",
        params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"},
    )
    assert ok.status_code == 200
    assert ok.text == "1158201444"
    bad = client.get("/webhooks/instagram", params={"hub.verify_token": "nope", "hub.challenge": "1"})
    assert bad.status_code == 403
    assert client.get("/webhooks/instagram", params={"hub.challenge": "1"}).status_code == 403


def test_verify_refused_when_no_token_configured(make_client: Any) -> None:
    client = make_client(instagram_verify_token=None)
    r = client.get("/webhooks/instagram", params={"hub.verify_token": "", "hub.challenge": "1"})
    assert r.status_code == 403


def test_signatures(client: Any, session: Session) -> None:
    payload = notification(text_event("m1", "hello"))
    assert post(client, payload, secret=None).status_code == 403
    assert post(client, payload, secret="wrong-secret").status_code == 403
    assert post(client, payload, header="sha1=abc").status_code == 403
    assert post(client, payload, header="sha256=" + "0" * 64).status_code == 403
    assert count(session, Message) == 0
    assert post(client, payload).status_code == 200
    assert count(session, Message) == 1


def test_no_secret_configured_refuses_everything(make_client: Any) -> None:
    client = make_client(instagram_app_secret=None)
    assert post(client, notification(text_event("m1", "hi"))).status_code == 403


def test_text_message_creates_contact_by_scoped_id(client: Any, session: Session) -> None:
    r = post(client, notification(text_event("m1", "hey! i keep forgetting to follow up")))
    assert r.json()["stored"] == 1
    assert r.json()["contacts_created"] == 1
    session.commit()
    contact = session.scalar(select(Contact))
    assert contact is not None
    assert contact.instagram_username == f"ig_{USER}"
    assert contact.total_messages_received == 1
    assert contact.last_meaningful_touch is not None
    ident = session.scalar(select(ContactIdentity))
    assert ident is not None
    assert (ident.provider, ident.external_id) == ("instagram", USER)
    msg = session.scalar(select(Message))
    assert msg is not None
    assert msg.is_outbound is False
    assert msg.sent_at is not None
    assert msg.sent_at.year == 2024


def test_same_mid_twice_stored_once(client: Any, session: Session) -> None:
    payload = notification(text_event("m1", "hello"), text_event("m1", "hello"))
    assert post(client, payload).json()["duplicates"] == 1
    assert post(client, payload).json()["duplicates"] == 2
    assert count(session, Message) == 1
    assert count(session, MessageExternalId) == 1


def test_echo_is_outbound_and_standby_accepted(client: Any, session: Session) -> None:
    post(client, notification(text_event("m1", "hi there", echo=True)))
    post(client, notification(text_event("m2", "thanks!", ts=1718000001000), field="standby"))
    session.commit()
    rows = session.execute(select(Message.message_text, Message.is_outbound).order_by(Message.sent_at)).all()
    assert rows == [("hi there", True), ("thanks!", False)]
    assert count(session, Contact) == 1
    contact = session.scalar(select(Contact))
    assert contact is not None
    assert (contact.total_messages_sent, contact.total_messages_received) == (1, 1)


def test_attachments_are_typed(client: Any, session: Session) -> None:
    event = text_event("m1", "")
    event["message"] = {"mid": "m1", "attachments": [{"type": "image", "payload": {"url": "https://x/y.jpg"}}]}
    post(client, notification(event))
    session.commit()
    msg = session.scalar(select(Message))
    assert msg is not None
    assert (msg.message_type, msg.message_text) == ("image", "[image]")
    assert msg.raw_data is not None
    assert msg.raw_data["event"]["message"]["attachments"][0]["payload"]["url"] == "https://x/y.jpg"


def test_deleted_message_loses_its_text(client: Any, session: Session) -> None:
    post(client, notification(text_event("m1", "oops wrong chat")))
    deleted = {
        "sender": {"id": USER},
        "recipient": {"id": OWNER},
        "timestamp": 1718000005000,
        "message": {"mid": "m1", "is_deleted": True},
    }
    assert post(client, notification(deleted)).json()["deleted"] == 1
    session.commit()
    msg = session.scalar(select(Message))
    assert msg is not None
    assert (msg.message_type, msg.message_text) == ("deleted", "")


def test_reactions_and_reads(client: Any, session: Session) -> None:
    post(client, notification(text_event("m1", "sent you the doc", echo=True)))
    react = {
        "sender": {"id": USER},
        "recipient": {"id": OWNER},
        "timestamp": 1718000002000,
        "reaction": {"mid": "m1", "action": "react", "reaction": "love", "emoji": "\u2764\ufe0f"},
    }
    read = {"sender": {"id": USER}, "recipient": {"id": OWNER}, "timestamp": 1718000003000, "read": {"mid": "m1"}}
    result = post(client, notification(react, read)).json()
    assert (result["reactions"], result["reads"]) == (1, 1)
    session.commit()
    msg = session.scalar(select(Message))
    assert msg is not None
    assert msg.raw_data is not None
    assert msg.raw_data["reactions"][0]["emoji"] == "\u2764\ufe0f"
    assert "read_at" in msg.raw_data
    unreact = {**react, "reaction": {"mid": "m1", "action": "unreact"}}
    post(client, notification(unreact))
    session.commit()
    session.refresh(msg)
    assert msg.raw_data is not None
    assert msg.raw_data["reactions"] == []
    assert count(session, Message) == 1


def test_unknown_kinds_and_junk_are_ignored(client: Any, session: Session) -> None:
    payload = notification(
        {"sender": {"id": USER}, "recipient": {"id": OWNER}, "timestamp": 1, "postback": {"title": "x"}},
        {"sender": {"id": USER}, "recipient": {"id": OWNER}, "message_edit": {"mid": "m9"}},
        {"nonsense": True},
        "not even an object",
        text_event("m1", "real one"),
    )
    r = post(client, payload)
    assert r.status_code == 200
    assert r.json()["stored"] == 1
    assert r.json()["ignored"] == 4
    assert post(client, {"object": "page", "entry": "x"}).status_code == 200
    assert post(client, [1, 2]).status_code == 200
    body = b"not json"
    bad = client.post("/webhooks/instagram", content=body, headers={"X-Hub-Signature-256": sign(body, APP_SECRET)})
    assert bad.status_code == 400


def test_batch_of_1000_events(client: Any, session: Session) -> None:
    events = []
    for i in range(1000):
        event = text_event(f"mid-{i}", f"message number {i}", ts=1718000000000 + i * 1000)
        event["sender"]["id"] = f"user{i % 50}"
        events.append(event)
    r = post(client, notification(*events))
    assert r.status_code == 200
    assert r.json()["stored"] == 1000
    assert count(session, Contact) == 50
    assert post(client, notification(*events)).json()["duplicates"] == 1000


def test_username_linked_later_renames_or_merges(client: Any, session: Session) -> None:
    post(client, notification(text_event("m1", "hi from a stranger")))
    r = client.post(f"/api/v1/identities/instagram/{USER}", json={"username": "@Real_Name"})
    assert r.status_code == 200
    assert r.json() == {"username": "real_name"}
    session.commit()
    assert session.scalar(select(Contact.instagram_username)) == "real_name"
    # A second scoped id whose person was already imported under a username: merged into that contact.
    existing = add_contact(session, "imported_person")
    session.commit()
    other = text_event("m2", "second person")
    other["sender"]["id"] = "999"
    post(client, notification(other))
    assert client.post("/api/v1/identities/instagram/999", json={"username": "imported_person"}).status_code == 200
    assert count(session, Contact) == 2
    msg = session.scalar(select(Message).where(Message.message_text == "second person"))
    assert msg is not None
    assert msg.contact_id == existing.id
    assert client.post("/api/v1/identities/instagram/nope", json={"username": "x"}).status_code == 404
