"""Contacts and relationship routes: list, get, record everything, health, next, queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from everreach.relationship.service import recompute_all
from everreach.seed.defaults import seed_defaults
from tests.http.conftest import add_contact, add_messages


@pytest.fixture
def book(session: Session) -> None:
    """Seeded templates and three contacts with conversations two weeks old."""
    seed_defaults(session)
    start = datetime.now(UTC) - timedelta(days=14)
    jane = add_contact(session, "jane", display_name="Jane")
    add_messages(session, jane, [("i keep forgetting to follow up with people, so messy", False),
                                 ("want my checklist?", True)], start=start)  # fmt: skip
    bob = add_contact(session, "bob", tags=["vip"])
    add_messages(session, bob, [("hey", True), ("how's the launch going? we shipped!", False)], start=start)
    add_contact(session, "spammer", tags=["spam"])
    session.commit()
    recompute_all(session)
    session.commit()


def test_list_filter_sort_page(client: Any, book: None) -> None:
    rows = client.get("/api/v1/contacts").json()
    assert {r["username"] for r in rows} == {"jane", "bob", "spammer"}
    assert [r["username"] for r in client.get("/api/v1/contacts", params={"sort": "username"}).json()] == [
        "bob", "jane", "spammer",
    ]  # fmt: skip
    assert [r["username"] for r in client.get("/api/v1/contacts", params={"tag": "vip"}).json()] == ["bob"]
    page = client.get("/api/v1/contacts", params={"sort": "username", "limit": 1, "offset": 1}).json()
    assert [r["username"] for r in page] == ["jane"]
    assert client.get("/api/v1/contacts", params={"stage": "nope"}).status_code == 422
    assert client.get("/api/v1/contacts", params={"min_score": 101}).status_code == 422


def test_get_and_record(client: Any, book: None) -> None:
    detail = client.get("/api/v1/contacts/jane").json()
    assert detail["health"]["username"] == "jane"
    assert detail["total_messages_received"] == 1
    before = detail["health"]["score"]
    card = {"what_theyre_building": "a saas", "current_friction": "follow ups", "their_definition_of_win": "10 users"}
    after = client.put("/api/v1/contacts/jane/context", json=card).json()
    assert after["components"]["need_clarity"] == 16
    assert after["score"] > before
    value = client.post("/api/v1/contacts/jane/value", json={"kind": "link", "note": "checklist"}).json()
    assert value["components"]["value_delivered"] > 0
    assert client.post("/api/v1/contacts/jane/value", json={"kind": "bogus"}).status_code == 422
    assert client.post("/api/v1/contacts/jane/promise", json={"note": "send the doc"}).status_code == 200
    kept = client.post("/api/v1/contacts/jane/promise-kept", json={"note": "sent"}).json()
    assert kept["components"]["reliability"] == 20
    trust = client.post("/api/v1/contacts/jane/trust", json={"kind": "asks_opinion", "note": "asked"}).json()
    assert trust["components"]["consent_level"] > 0
    assert client.post("/api/v1/contacts/jane/consent", json={"kind": "opt_in", "note": "yes"}).status_code == 200
    bought = client.post("/api/v1/contacts/jane/purchase", json={"product": "everreach"}).json()
    assert bought["stage"] == "post_win"
    staged = client.post("/api/v1/contacts/jane/stage", json={"stage": "first_touch", "reason": "reset"}).json()
    assert staged["stage"] == "first_touch"
    history = client.get("/api/v1/contacts/jane/history").json()
    assert history[-1]["source"] == "user" or history[0]["source"] == "user"
    detail = client.get("/api/v1/contacts/jane").json()
    assert detail["context"]["what_theyre_building"] == "a saas"
    assert [v["kind"] for v in detail["value_log"]][:1] == ["link"]
    assert detail["trust_signals"][0]["kind"] == "asks_opinion"
    assert client.get("/api/v1/contacts/nobody").status_code == 404
    assert client.put("/api/v1/contacts/nobody/context", json=card).status_code == 404


def test_health_next_history_fit(client: Any, book: None) -> None:
    health = client.get("/api/v1/contacts/bob/health").json()
    assert set(health["components"]) == {
        "recency", "resonance", "need_clarity", "value_delivered", "reliability", "consent_level",
    }  # fmt: skip
    nxt = client.get("/api/v1/contacts/bob/next").json()
    assert nxt["lane"] == health["lane"]
    assert len(nxt["actions"]) <= 3
    assert isinstance(client.get("/api/v1/contacts/bob/history").json(), list)
    matches = client.get("/api/v1/contacts/jane/fit-matches").json()
    assert any(m["signal_key"] == "follow_up_messy" for m in matches)


def test_queries(client: Any, book: None) -> None:
    hits = client.get("/api/v1/search", params={"q": "FOLLOW UP"}).json()
    assert [h["username"] for h in hits] == ["jane"]
    assert set(hits[0]) >= {"username", "text", "is_outbound", "sent_at"}
    assert client.get("/api/v1/search").status_code == 422
    tasks = client.get("/api/v1/tasks").json()
    assert set(tasks) == {"micro_wins", "curiosity", "rewarm", "offers"}
    assert all("spammer" not in bucket for bucket in tasks.values())
    attention = client.get("/api/v1/attention", params={"limit": 5}).json()
    assert all("username" in a for a in attention)
    signals = client.get("/api/v1/fit-signals").json()
    assert any(s["signal_key"] == "follow_up_messy" and s["matches"] >= 1 for s in signals)
    report = client.post("/api/v1/recompute", json={}).json()
    assert report["contacts"] == 3
