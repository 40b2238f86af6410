"""Evidence and coach routes: list, dismiss (stops counting in the same request), confirm, coach notes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

from everreach.relationship.service import recompute_all
from tests.relationship.factories import contact, message

NOW = datetime.now(UTC)


@pytest.fixture
def omar(session: Session) -> None:
    """A promise, its delivery the next day, and thanks; then an offer before any consent."""
    c = contact(session, username="omar")
    message(session, contact=c, text="my hooks are weak and posts get scrolled past", days_ago=6, now=NOW,
            intents=("describes_friction",))  # fmt: skip
    message(session, contact=c, text="i'll send you my swipe file tonight", days_ago=5.9, out=True, now=NOW,
            intents=("promise",))  # fmt: skip
    message(session, contact=c, text="here it is: https://example.com/swipe", days_ago=5, out=True, now=NOW,
            intents=("delivers_value",))  # fmt: skip
    message(session, contact=c, text="want me to run your ads for 500 a month?", days_ago=1, out=True, now=NOW,
            intents=("offer",))  # fmt: skip
    session.commit()
    recompute_all(session)
    session.commit()


def test_evidence_lists_every_item_with_its_message(client: Any, omar: None) -> None:
    report = client.get("/api/v1/contacts/omar/evidence").json()
    kinds = [i["kind"] for i in report["items"]]
    assert kinds == ["friction", "promise", "promise_kept", "value_delivered"]
    assert [i["number"] for i in report["items"]] == [1, 2, 3, 4]
    kept = report["items"][2]
    assert kept["kept_by"]["excerpt"] == "here it is: https://example.com/swipe"
    assert kept["sentence"].startswith("promise kept on ")
    assert report["suggestions"][0]["field"] == "current_friction"
    assert client.get("/api/v1/contacts/nobody/evidence").status_code == 404


def test_a_dismissed_item_stops_counting_in_the_same_request(client: Any, omar: None) -> None:
    before = client.get("/api/v1/contacts/omar/health").json()["components"]
    assert before["value_delivered"] > 0
    item = client.get("/api/v1/contacts/omar/evidence").json()["items"][3]
    done = client.put(f"/api/v1/contacts/omar/evidence/{item['id']}", json={"verdict": "dismissed"})
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["counts"]) == ("dismissed", False)
    stored = client.get("/api/v1/contacts/omar").json()["health"]["components"]
    assert stored["value_delivered"] == 0
    # Without the delivery the promise is open again: its "kept" item is gone and the numbers moved up.
    assert [i["kind"] for i in client.get("/api/v1/contacts/omar/evidence").json()["items"]] == [
        "friction", "promise", "value_delivered",
    ]  # fmt: skip
    again = client.put(f"/api/v1/contacts/omar/evidence/{item['id']}", json={"verdict": "confirmed"}).json()
    assert (again["status"], again["counts"]) == ("confirmed", True)
    assert client.get("/api/v1/contacts/omar/health").json()["components"] == before


def test_verdicts_name_missing_items_and_refuse_bad_ones(client: Any, omar: None) -> None:
    missing = client.put("/api/v1/contacts/omar/evidence/9", json={"verdict": "dismissed"})
    assert missing.status_code == 404
    assert "4 evidence items" in missing.json()["detail"]
    assert client.put("/api/v1/contacts/omar/evidence/promise:zz", json={"verdict": "dismissed"}).status_code == 404
    assert client.put("/api/v1/contacts/omar/evidence/1", json={"verdict": "maybe"}).status_code == 422


def test_coach_points_at_the_early_pitch(client: Any, omar: None) -> None:
    report = client.get("/api/v1/contacts/omar/coach").json()
    rules = [n["rule"] for n in report["notes"]]
    assert rules == ["pitching_before_consent", "three_to_one"]
    assert report["notes"][0]["messages"][0]["excerpt"] == "want me to run your ads for 500 a month?"
    assert report["your_messages"] == 3
