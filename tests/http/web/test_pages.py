"""Every dashboard page renders on both engines, escapes stranger-supplied text, and its forms work."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from everreach.relationship.service import recompute_all
from everreach.seed.defaults import seed_defaults
from tests.http.conftest import add_contact, add_messages, csrf

EVIL = '<script>alert(1)</script><img src=x onerror="alert(2)">'


@pytest.fixture
def data(session: Session) -> None:
    seed_defaults(session)
    jane = add_contact(session, "jane", display_name=EVIL)
    add_messages(session, jane, [(f"hi {EVIL}", False), ("i keep forgetting to follow up", False)])
    session.commit()
    recompute_all(session)
    session.commit()


PAGES = ["/", "/contacts", "/contacts?sort=username&min_score=0", "/contacts/jane", "/search?q=alert", "/queue",
         "/pipeline", "/settings", "/import", "/login"]  # fmt: skip


def test_pages_render_escaped(client: Any, data: None) -> None:
    for path in PAGES:
        r = client.get(path)
        assert r.status_code == 200, path
        assert "<script>alert" not in r.text, path
        assert 'onerror="alert' not in r.text, path
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get("/contacts/jane").text
    # Search marks the match inside the escaped text: only the <mark> tags are markup.
    assert "&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt;" in client.get("/search?q=alert").text


def test_context_card_form_updates_score(client: Any, data: None) -> None:
    before = client.get("/api/v1/contacts/jane/health").json()["score"]
    r = client.post(
        "/contacts/jane/context",
        data={"what_theyre_building": "a studio app", "current_friction": "no system", "csrf_token": csrf(client)},
    )
    assert r.status_code == 200
    assert "Score is now" in r.text
    assert client.get("/api/v1/contacts/jane/health").json()["score"] > before


def test_record_stage_and_settings_forms(client: Any, data: None) -> None:
    token = csrf(client)
    r = client.post(
        "/contacts/jane/record", data={"what": "value", "kind": "link", "note": "guide", "csrf_token": token}
    )
    assert "Recorded" in r.text
    bad = client.post(
        "/contacts/jane/record", data={"what": "value", "kind": "nope", "note": "my typed note", "csrf_token": token}
    )
    assert bad.status_code == 422
    assert 'id="kind-error"' in bad.text
    assert "value kind must be one of" in bad.text
    assert 'value="my typed note"' in bad.text
    r = client.post("/contacts/jane/stage", data={"stage": "trust_signals", "reason": "knows me", "csrf_token": token})
    assert "Stage set to trust shown" in r.text
    r = client.post(
        "/settings/patterns",
        data={"pattern_type": "spam_pattern", "pattern_key": "loans", "pattern_value": "loan", "csrf_token": token},
    )
    assert "Pattern “Loans” added." in r.text
    assert client.get("/contacts/nobody").status_code == 404


def test_queue_shows_the_first_rows_and_a_link_to_all(client: Any, session: Session) -> None:
    from everreach.db.models import OutreachItem

    person = add_contact(session, "pat")
    session.add_all(
        OutreachItem(contact_id=person.id, username="pat", message_text=f"note {i}", status="sent") for i in range(53)
    )
    session.commit()
    first = client.get("/queue").text
    assert first.count('<tr id="q-') == 50
    assert 'href="/queue?all=1">Show all 53</a>' in first
    everything = client.get("/queue?all=1").text
    assert everything.count('<tr id="q-') == 53
    assert "Show all" not in everything
