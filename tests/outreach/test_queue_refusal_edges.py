"""Exact refusals and edges of the queue service: written to kill mutants mutmut left alive in outreach/queue.py
(tests/MUTATION.md lists the equivalent ones). Each refusal is checked word for word: it is what the user reads.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from everreach import config
from everreach.db.models import OutreachItem, RelationshipEvent
from everreach.errors import NotFoundError, ValidationError
from everreach.outreach import queue
from tests.outreach.factories import T0, make_contact


@pytest.mark.parametrize(
    ("status", "words"),
    [("pending", "waiting to be sent"), ("scheduled", "scheduled"), ("sending", "being sent"),
     (None, "waiting to be sent"), ("paused", "queued")],
)  # fmt: skip
def test_the_open_message_refusal_says_what_the_row_is_doing(status: str | None, words: str) -> None:
    item = OutreachItem(id=uuid.UUID("1234abcd-0000-4000-8000-000000000000"), status=status)
    err = queue.OpenMessageExists("ann", item)
    assert str(err) == (
        f"@ann already has a message {words} (queue item 1234abcd): cancel it first, or force a second one"
    )
    assert (err.username, err.item_id) == ("ann", item.id)


def test_the_open_message_is_the_oldest_then_the_smallest_id(session: Session) -> None:
    ann = make_contact(session, username="ann")
    make_contact(session, username="bob")
    low, high = uuid.UUID(int=1), uuid.UUID(int=2**128 - 1)
    for item_id, created in ((high, T0 - timedelta(hours=1)), (low, T0), (uuid.UUID(int=2), T0 - timedelta(hours=1))):
        session.add(OutreachItem(id=item_id, contact_id=ann.id, username="ann", message_text="x", created_at=created))
    session.flush()
    found = queue.open_message(session, contact_id=ann.id)
    assert found is not None
    assert found.id == uuid.UUID(int=2)  # the oldest two tie on time: the smaller id


def test_an_invisible_text_is_refused_in_words(session: Session) -> None:
    make_contact(session, username="ann")
    with pytest.raises(ValidationError) as err:
        queue.add_to_queue(session, username="ann", text="\u200b ", now=T0)
    assert str(err.value) == "message text is empty: it has no visible characters"


@pytest.mark.parametrize("priority", [1, 10])
def test_priorities_1_and_10_are_accepted(session: Session, priority: int) -> None:
    make_contact(session, username="ann")
    assert queue.add_to_queue(session, username="ann", text="hi", priority=priority, now=T0).priority == priority


@pytest.mark.parametrize("priority", [0, 11])
def test_priorities_outside_1_to_10_are_refused(session: Session, priority: int) -> None:
    make_contact(session, username="ann")
    with pytest.raises(ValidationError) as err:
        queue.add_to_queue(session, username="ann", text="hi", priority=priority, now=T0)
    assert str(err.value) == f"priority must be between 1 and 10 (higher is sent first), not {priority}"


def test_a_send_time_of_now_is_pending_and_the_row_is_dated_now(session: Session) -> None:
    make_contact(session, username="ann")
    item = queue.add_to_queue(session, username="ann", text="hi", at=T0, now=T0)
    assert (item.status, item.scheduled_at, item.created_at) == ("pending", None, T0)
    later = queue.add_to_queue(session, username="ann", text="hi", at=T0 + timedelta(seconds=1), now=T0, force=True)
    assert (later.status, later.scheduled_at) == ("scheduled", T0 + timedelta(seconds=1))


@pytest.fixture
def tokyo_machine(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The machine's own zone (not the user's setting) is Tokyo for the test."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("tokyo_machine")
def test_send_times_are_kept_in_utc_whatever_the_machine_zone(session: Session) -> None:
    config.configure(timezone="Europe/Paris")
    make_contact(session, username="ann")
    local = queue.add_to_queue(session, username="ann", text="hi", at=datetime(2025, 3, 3, 18, 0), now=T0)
    aware = queue.add_to_queue(
        session, username="ann", text="hi", at=datetime(2025, 3, 4, 18, 0, tzinfo=ZoneInfo("America/New_York")),
        now=T0, force=True,
    )  # fmt: skip
    assert local.scheduled_at == datetime(2025, 3, 3, 17, 0, tzinfo=UTC)
    assert aware.scheduled_at == datetime(2025, 3, 4, 23, 0, tzinfo=UTC)
    assert local.scheduled_at.utcoffset() == aware.scheduled_at.utcoffset() == timedelta(0)


def test_the_next_best_action_is_dated_by_the_clock_given(session: Session) -> None:
    from everreach.relationship.queries import next_best_actions
    from everreach.seed.defaults import seed_defaults

    seed_defaults(session)
    make_contact(session, username="ann", inbound_at=T0 - timedelta(days=2))
    expected = next_best_actions(session, username="ann", now=T0).actions[0]
    queued = queue.add_next_best_action(session, username="ann", now=T0)
    assert queued.item.created_at == T0
    assert queued.reason == expected.reason
    assert queued.reason
    used = session.scalars(select(RelationshipEvent).where(RelationshipEvent.kind == "template_used")).one()
    assert used.occurred_at == T0


def test_no_next_best_action_is_explained(session: Session) -> None:
    make_contact(session, username="ann", inbound_at=T0 - timedelta(days=2))  # no templates at all
    with pytest.raises(NotFoundError) as err:
        queue.add_next_best_action(session, username="ann", now=T0)
    lane = str(err.value).split("every ", 1)[1].split(" ", 1)[0]
    assert str(err.value) == (
        f"no next best action for @ann: every {lane} template was used in the last 30 days or needs context the "
        "card lacks"
    )


def test_ids_resolve_whole_with_dashes_by_a_dashed_prefix_and_by_a_long_prefix(session: Session) -> None:
    make_contact(session, username="ann")
    item = queue.add_to_queue(session, username="ann", text="hi", now=T0)
    assert queue.resolve_item(session, str(item.id)[:13]).id == item.id  # 8 hex, a dash, 4 hex
    assert queue.resolve_item(session, item.id.hex[:12].upper()).id == item.id
    missing = uuid.UUID(int=7)
    with pytest.raises(NotFoundError) as err:
        queue.resolve_item(session, missing)
    assert str(err.value) == f"no queue item {missing.hex}"


def test_a_prefix_two_rows_share_is_ambiguous(session: Session) -> None:
    ann = make_contact(session, username="ann")
    for tail in (1, 2):
        item_id = uuid.UUID(f"abcd0000-0000-4000-8000-00000000000{tail}")
        session.add(OutreachItem(id=item_id, contact_id=ann.id, username="ann", message_text="x", created_at=T0))
    session.flush()
    with pytest.raises(ValidationError) as err:
        queue.resolve_item(session, "abcd")
    assert str(err.value) == "queue item id 'abcd' is ambiguous: give more characters"
    assert queue.resolve_item(session, "abcd0000000040008000000000000002").id.int % 16 == 2


def test_a_change_refused_by_state_names_the_row_and_the_states_allowed(session: Session) -> None:
    make_contact(session, username="ann")
    item = queue.add_to_queue(session, username="ann", text="hi", now=T0)
    session.execute(update(OutreachItem).where(OutreachItem.id == item.id).values(status="sent"))
    with pytest.raises(ValidationError) as err:
        queue.cancel(session, item_id=item.id)
    assert str(err.value) == (
        f"queue item {item.id.hex[:8]} is sent: only pending, scheduled, failed rows can be changed"
    )
