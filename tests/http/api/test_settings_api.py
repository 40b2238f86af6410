"""Patterns, templates and fit signals: list, add, edit, deactivate; plus stats and messages."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from everreach.seed.defaults import seed_defaults
from tests.http.conftest import add_contact, add_messages


def test_patterns_crud(client: Any) -> None:
    r = client.post(
        "/api/v1/patterns", json={"pattern_type": "known_handle", "pattern_key": "jane.doe", "pattern_value": "Jane"}
    )
    assert r.status_code == 201
    pid = r.json()["id"]
    assert r.json()["is_active"] is True
    dup = client.post(
        "/api/v1/patterns", json={"pattern_type": "known_handle", "pattern_key": "jane.doe", "pattern_value": "J"}
    )
    assert dup.status_code == 422
    assert "already exists" in dup.json()["detail"]
    edited = client.patch(f"/api/v1/patterns/{pid}", json={"pattern_value": "Jane Doe"})
    assert edited.json()["pattern_value"] == "Jane Doe"
    assert client.post(f"/api/v1/patterns/{pid}/deactivate", json={}).json()["is_active"] is False
    listed = client.get("/api/v1/patterns", params={"pattern_type": "known_handle"}).json()
    assert [p["pattern_key"] for p in listed] == ["jane.doe"]
    assert client.patch("/api/v1/patterns/00000000-0000-0000-0000-000000000000", json={}).status_code == 404
    assert (
        client.post(
            "/api/v1/patterns", json={"pattern_type": "bogus", "pattern_key": "k", "pattern_value": "v"}
        ).status_code
        == 422
    )


def test_templates_crud(client: Any, session: Session) -> None:
    seed_defaults(session)
    session.commit()
    all_templates = client.get("/api/v1/templates").json()
    assert len(all_templates) == 20
    assert len(client.get("/api/v1/templates", params={"lane": "rewarm"}).json()) == 3
    r = client.post(
        "/api/v1/templates",
        json={
            "lane": "service",
            "stage": "context",
            "action_key": "ask_blocker",
            "action_text": "what's blocking ___?",
        },
    )
    assert r.status_code == 201
    tid = r.json()["id"]
    assert client.patch(f"/api/v1/templates/{tid}", json={"action_text": "what's in the way?"}).json()[
        "action_text"
    ] == ("what's in the way?")
    assert client.post(f"/api/v1/templates/{tid}/deactivate", json={}).json()["is_active"] is False
    assert (
        client.post("/api/v1/templates", json={"lane": "nope", "action_key": "a", "action_text": "b"}).status_code
        == 422
    )


def test_fit_signal_settings_crud(client: Any) -> None:
    r = client.post(
        "/api/v1/settings/fit-signals",
        json={
            "product": "everreach",
            "signal_key": "forgets_followups",
            "signal_description": "i keep forgetting to follow up",
            "phrases": ["lose track of people", "  ", "lose track of people"],
        },
    )
    assert r.status_code == 201
    body = r.json()
    assert body["phrases"] == ["lose track of people"]
    sid = body["id"]
    edited = client.patch(f"/api/v1/settings/fit-signals/{sid}", json={"phrases": ["a", "b"]}).json()
    assert edited["phrases"] == ["a", "b"]
    again = client.patch(f"/api/v1/settings/fit-signals/{sid}", json={"offer_template": "want the tool?"}).json()
    assert (again["phrases"], again["offer_template"]) == (["a", "b"], "want the tool?")
    assert client.post(f"/api/v1/settings/fit-signals/{sid}/deactivate", json={}).json()["is_active"] is False
    assert [s["signal_key"] for s in client.get("/api/v1/settings/fit-signals").json()] == ["forgets_followups"]


def test_stats_and_messages(client: Any, session: Session) -> None:
    jane = add_contact(session, "jane", relationship_score=85, relationship_stage="trust_signals")
    add_contact(session, "spammy", relationship_score=5, tags=["spam"])
    add_messages(session, jane, [("hey!", False), ("hi jane, how's the launch?", True), ("<b>great</b>", False)])
    session.commit()
    stats = client.get("/api/v1/stats").json()
    assert (stats["contacts"], stats["spam_contacts"], stats["messages"]) == (2, 1, 3)
    assert (stats["inbound"], stats["outbound"], stats["conversations"]) == (2, 1, 1)
    assert stats["by_stage"]["trust_signals"] == 1
    assert stats["by_stage"]["first_touch"] == 1
    hist = {b["low"]: b["count"] for b in stats["score_histogram"]}
    assert (hist[80], hist[0]) == (1, 1)
    msgs = client.get("/api/v1/contacts/@Jane/messages").json()
    assert [m["text"] for m in msgs] == ["<b>great</b>", "hi jane, how's the launch?", "hey!"]
    older = client.get("/api/v1/contacts/jane/messages", params={"before": msgs[0]["sent_at"], "limit": 1}).json()
    assert [m["text"] for m in older] == ["hi jane, how's the launch?"]
    assert client.get("/api/v1/contacts/nobody/messages").status_code == 404
