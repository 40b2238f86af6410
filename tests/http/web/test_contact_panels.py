"""The contact page's evidence and coach panels: items with their words, dismiss and confirm, coach notes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

from everreach.relationship.service import recompute_all
from tests.http.conftest import csrf
from tests.relationship.factories import contact, message

NOW = datetime.now(UTC)
EVIL = "<b>bold</b> i'll send you <script>x()</script> tonight"


@pytest.fixture
def theo(session: Session) -> None:
    c = contact(session, username="theo")
    message(session, contact=c, text=EVIL, days_ago=20, out=True, now=NOW, intents=("promise",))
    message(session, contact=c, text="want my coaching package? 300 a month", days_ago=19, out=True, now=NOW,
            intents=("offer",))  # fmt: skip
    session.commit()
    recompute_all(session)
    session.commit()


def test_the_panels_show_items_and_notes_escaped(client: Any, theo: None) -> None:
    page = client.get("/contacts/theo").text
    assert 'id="evidence"' in page
    assert "Promise not kept" in page
    assert "&lt;script&gt;x()&lt;/script&gt;" in page
    assert "<script>x()" not in page
    assert 'id="coach"' in page
    assert "Pitching before they said yes" in page
    assert "Promises left open" in page


def test_dismiss_and_count_again_from_the_page(client: Any, theo: None) -> None:
    before = client.get("/api/v1/contacts/theo/health").json()["components"]["reliability"]
    assert before == 0
    items = client.get("/api/v1/contacts/theo/evidence").json()["items"]
    promise = next(i for i in items if i["kind"] == "promise")
    token = csrf(client)
    r = client.post(f"/contacts/theo/evidence/{promise['id']}", data={"verdict": "dismissed", "csrf_token": token})
    assert r.status_code == 200
    assert "Dismissed promise of" in r.text
    assert "dismissed: not counted" in r.text
    assert client.get("/api/v1/contacts/theo/health").json()["components"]["reliability"] == 10
    r = client.post(f"/contacts/theo/evidence/{promise['id']}", data={"verdict": "confirmed", "csrf_token": token})
    assert "Confirmed promise of" in r.text
    assert client.get("/api/v1/contacts/theo/health").json()["components"]["reliability"] == 0
    bad = client.post("/contacts/theo/evidence/1", data={"verdict": "maybe", "csrf_token": token})
    assert "verdict must be one of dismissed, confirmed" in bad.text
