"""Outreach queue routes: list with pacing, add, refuse, cancel, retry."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from everreach.db.models import OutreachItem
from tests.http.conftest import add_contact


def test_queue_routes(client: Any, session: Session) -> None:
    add_contact(session, "jane")
    add_contact(session, "spammer", tags=["spam"])
    session.commit()
    r = client.post("/api/v1/queue", json={"username": "jane", "text": "hey, how did the launch go?"})
    assert r.status_code == 201
    item = r.json()
    assert item["status"] == "pending"
    assert client.post("/api/v1/queue", json={"username": "spammer", "text": "hi"}).status_code == 422
    assert client.post("/api/v1/queue", json={"username": "ghost", "text": "hi"}).status_code == 404
    assert client.post("/api/v1/queue", json={"username": "jane", "text": "   "}).status_code == 422
    listing = client.get("/api/v1/queue").json()
    assert [i["id"] for i in listing["items"]] == [item["id"]]
    assert listing["counts"]["pending"] == 1
    assert "next_allowed_send" in listing
    assert client.get("/api/v1/queue", params={"status": "sent"}).json()["items"] == []
    assert client.get("/api/v1/queue", params={"status": "bogus"}).status_code == 422
    # retry is for failed rows only
    assert client.post(f"/api/v1/queue/{item['id']}/retry", json={}).status_code == 422
    assert client.post(f"/api/v1/queue/{item['id']}/cancel", json={}).json()["status"] == "cancelled"
    session.execute(update(OutreachItem).values(status="failed", error="boom"))
    session.commit()
    assert client.post(f"/api/v1/queue/{item['id'][:8]}/retry", json={}).json()["status"] == "pending"
    assert client.post("/api/v1/queue/ffffffff/cancel", json={}).status_code == 404


def test_queue_next_best_action(client: Any, session: Session) -> None:
    from everreach.seed.defaults import seed_defaults

    seed_defaults(session)
    add_contact(session, "jane")
    session.commit()
    r = client.post("/api/v1/queue/next", json={"username": "jane"})
    assert r.status_code == 201, r.text
    assert r.json()["item"]["username"] == "jane"
    assert client.post("/api/v1/queue/next", json={"username": "ghost"}).status_code == 404


def test_second_open_message_is_409_unless_forced(client: Any, session: Session) -> None:
    add_contact(session, "jane")
    session.commit()
    assert client.post("/api/v1/queue", json={"username": "jane", "text": "one"}).status_code == 201
    again = client.post("/api/v1/queue", json={"username": "jane", "text": "two"})
    assert again.status_code == 409
    assert "already has a message" in again.json()["detail"]
    assert client.post("/api/v1/queue", json={"username": "jane", "text": "two", "force": True}).status_code == 201
