"""Webhook events without a timestamp: distinct events stay distinct, the same mid still dedupes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from everreach.db.models import Message, MessageExternalId
from tests.http.webhooks.test_webhook import count, notification, post, text_event


def _untimed(mid: str, text: str) -> dict[str, Any]:
    event = text_event(mid, text)
    del event["timestamp"]
    return event


def test_untimed_events_with_the_same_text_stay_distinct(client: Any, session: Session) -> None:
    r = post(client, notification(_untimed("m1", "ok"), _untimed("m2", "ok"), _untimed("m3", "ok")))
    assert r.status_code == 200
    assert r.json()["stored"] == 3
    assert r.json()["duplicates"] == 0
    assert count(session, Message) == 3
    assert count(session, MessageExternalId) == 3
    # a later notification, also untimed, with the same text again
    assert post(client, notification(_untimed("m4", "ok"))).json()["stored"] == 1
    assert count(session, Message) == 4


def test_untimed_redelivery_of_the_same_mid_dedupes(client: Any, session: Session) -> None:
    payload = notification(_untimed("m1", "ok"), _untimed("m1", "ok"))
    first = post(client, payload).json()
    assert (first["stored"], first["duplicates"]) == (1, 1)
    again = post(client, payload).json()
    assert (again["stored"], again["duplicates"]) == (0, 2)
    assert count(session, Message) == 1
    assert count(session, MessageExternalId) == 1


def test_absurd_timestamp_counts_as_untimed(client: Any, session: Session) -> None:
    events = [text_event(f"m{i}", "same", ts=10**30) for i in range(2)]
    assert post(client, notification(*events)).json()["stored"] == 2
    session.commit()
    times = session.scalars(select(Message.sent_at)).all()
    assert len(set(times)) == 2


def test_timed_events_with_the_same_instant_and_text_are_one_message(client: Any, session: Session) -> None:
    # an import and a webhook (or two deliveries under different mids) of the very same message
    r = post(client, notification(text_event("m1", "hey"), text_event("m2", "hey")))
    assert r.json()["stored"] == 1
    assert count(session, Message) == 1
