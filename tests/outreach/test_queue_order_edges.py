"""The queue listing's order and limits, and the exact refusals: written to kill mutants mutmut left alive in
outreach/queue.py (tests/MUTATION.md lists the equivalent ones).

The listing puts waiting rows (sending, pending, scheduled) before finished ones in SQL, so a limit never cuts
a waiting row for a finished one; waiting rows go by when each may be sent, then priority; finished ones by
their scheduled, sent or creation time, then creation time, then id.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from everreach import config
from everreach.db.models import Contact, Message, OutreachItem
from everreach.errors import ValidationError
from everreach.outreach import queue
from tests.outreach.factories import T0, make_contact

H = timedelta(hours=1)


def _row(
    session: Session, username: str, *, status: str = "pending", priority: int | None = 5, **times: object
) -> OutreachItem:
    """A queue row straight into the table (the listing's inputs, times and ids chosen by the test)."""
    contact = session.scalars(select(Contact).where(Contact.instagram_username == username)).one()
    item = OutreachItem(
        id=times.pop("id", None) or uuid.uuid4(),
        contact_id=contact.id,
        username=username,
        message_text=f"{status} {priority}",
        status=status,
        priority=priority,
        created_at=times.pop("created_at", T0),
        **times,
    )
    session.add(item)
    session.flush()
    return item


@pytest.fixture
def people(session: Session) -> Session:
    """Contacts ann, bob and cy, pacing out of the way (no active-hours limit)."""
    config.configure(active_hours_start="00:00", active_hours_end="00:00")
    for name in ("ann", "bob", "cy"):
        make_contact(session, username=name)
    return session


def _ids(session: Session, **kwargs: object) -> list[uuid.UUID]:
    return [i.id for i in queue.list_queue(session, now=T0, **kwargs).items]  # type: ignore[arg-type]


def test_a_limit_keeps_waiting_rows_before_older_finished_ones(people: Session) -> None:
    sent = _row(people, "ann", status="sent", sent_at=T0 - 48 * H, created_at=T0 - 49 * H)
    sending = _row(people, "bob", status="sending", created_at=T0 - H)
    pending = _row(people, "cy", created_at=T0)
    assert _ids(people, limit=2) == [sending.id, pending.id]
    assert _ids(people, limit=3) == [sending.id, pending.id, sent.id]
    assert _ids(people, limit=1) == [sending.id]
    assert _ids(people, limit=0) == []


def test_a_waiting_row_set_to_priority_0_elsewhere_still_comes_before_finished_rows(people: Session) -> None:
    """Priority 0 is refused by the app but not by the table (a Supabase user may write one)."""
    _row(people, "ann", status="sent", sent_at=T0 - 48 * H, created_at=T0 - 49 * H)
    zero = _row(people, "bob", priority=0)
    assert _ids(people, limit=1) == [zero.id]


def test_a_sending_row_is_not_cut_for_a_higher_priority_pending_one(people: Session) -> None:
    sending = _row(people, "ann", status="sending", priority=5)
    _row(people, "bob", priority=2)
    assert _ids(people, limit=1) == [sending.id]


def test_a_sending_row_comes_first_even_behind_a_higher_priority(people: Session) -> None:
    urgent = _row(people, "ann", priority=9)
    sending = _row(people, "bob", status="sending", priority=5)
    assert _ids(people) == [sending.id, urgent.id]


def test_a_row_without_priority_counts_as_priority_5(people: Session) -> None:
    five = _row(people, "ann", priority=5, created_at=T0 - 2 * H)
    unset = _row(people, "bob", created_at=T0 - H)
    people.execute(update(OutreachItem).where(OutreachItem.id == unset.id).values(priority=None))
    four = _row(people, "cy", priority=4, created_at=T0 - 3 * H)
    assert _ids(people) == [five.id, unset.id, four.id]


def test_finished_rows_go_by_scheduled_then_sent_then_creation_time(people: Session) -> None:
    was_scheduled = _row(people, "ann", status="cancelled", scheduled_at=T0 - 5 * H, created_at=T0 - 10 * H)
    sent = _row(people, "bob", status="sent", sent_at=T0 - 8 * H, created_at=T0 - 4 * H)
    failed = _row(people, "cy", status="failed", created_at=T0 - 6 * H)
    assert _ids(people) == [sent.id, failed.id, was_scheduled.id]


def test_finished_rows_at_the_same_time_go_by_creation_then_id(people: Session) -> None:
    low, high = uuid.UUID(int=1), uuid.UUID(int=2**127)
    later = _row(people, "ann", status="sent", sent_at=T0 - H, created_at=T0 - H, id=uuid.UUID(int=2**128 - 1))
    earlier = _row(people, "bob", status="sent", sent_at=T0 - H, created_at=T0 - 2 * H)
    second = _row(people, "cy", status="failed", scheduled_at=T0 - H, created_at=T0 - H, id=high)
    first = _row(people, "cy", status="failed", scheduled_at=T0 - H, created_at=T0 - H, id=low)
    assert _ids(people) == [earlier.id, first.id, second.id, later.id]


def test_waiting_rows_go_by_when_they_may_be_sent(people: Session) -> None:
    """A scheduled row due in 1 h goes before a pending row whose contact is cooling down for 3 h more."""
    ann = people.scalars(select(Contact).where(Contact.instagram_username == "ann")).one()
    people.add(
        Message(
            id=uuid.uuid4(), contact_id=ann.id, message_text="auto", is_outbound=True, sent_by_automation=True,
            sent_at=T0 - 21 * H,
        )
    )  # fmt: skip
    cooling = _row(people, "ann", priority=9)
    scheduled = _row(people, "bob", status="scheduled", scheduled_at=T0 + H, priority=1)
    listing = queue.list_queue(people, now=T0)
    assert [i.id for i in listing.items] == [scheduled.id, cooling.id]
    assert {i.id: i.next_attempt_at for i in listing.items} == {scheduled.id: T0 + H, cooling.id: T0 + 3 * H}
    only_pending = queue.list_queue(people, status="pending", now=T0)
    assert [i.next_attempt_at for i in only_pending.items] == [T0 + 3 * H]


def test_rows_without_a_status_are_counted_as_pending(people: Session) -> None:
    _row(people, "ann")
    unset = _row(people, "bob")
    people.execute(update(OutreachItem).where(OutreachItem.id == unset.id).values(status=None))
    assert queue.list_queue(people, now=T0).counts["pending"] == 2


def test_an_unknown_status_names_every_status() -> None:
    with pytest.raises(ValidationError) as err:
        queue.list_queue(None, status="lost", now=T0)  # type: ignore[arg-type]
    assert str(err.value) == (
        "unknown status 'lost': choose one of pending, scheduled, sending, sent, failed, cancelled"
    )
