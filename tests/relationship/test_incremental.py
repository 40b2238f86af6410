"""A full recompute that reads only changed contacts' messages writes what reading every message writes."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Uuid, bindparam, delete, func, select, text, update
from sqlalchemy.orm import Session

from everreach.db.models import Contact, ContactToRescore, Conversation, Message
from everreach.db.types import UTCDateTime
from everreach.relationship import incremental, service
from everreach.relationship.recompute import recompute
from tests.relationship.factories import (
    NOW,
    POOL,
    contact,
    forget_scores,
    message,
    people_with_histories,
    random_history,
    stored_rows,
)


def _marked(session: Session) -> set[str]:
    stmt = select(Contact.instagram_username).join(ContactToRescore, ContactToRescore.contact_id == Contact.id)
    return set(session.scalars(stmt))


_RAW_INSERT = text(
    "INSERT INTO instagram_messages (id, contact_id, message_text, is_outbound, sent_at) "
    "VALUES (:id, :cid, 'tell me more about your launch?', false, :at)"
).bindparams(bindparam("id", type_=Uuid()), bindparam("cid", type_=Uuid()), bindparam("at", type_=UTCDateTime()))


def _change_some(session: Session, seed: int) -> None:
    """Random writes of every kind that moves stored message facts, by the ORM, by plain SQL and by services."""
    rng = random.Random(seed)
    people = list(session.scalars(select(Contact).order_by(Contact.instagram_username)))
    for step in range(rng.randint(1, 6)):
        who = rng.choice(people)
        kind = rng.choice(["add", "add_sql", "delete", "move", "flip", "new_contact", "alone", "card"])
        if kind == "add":
            message(session, contact=who, text=rng.choice(POOL), days_ago=rng.uniform(-20, 200), out=rng.random() < 0.5)
        elif kind == "add_sql":  # another writer than EverReach: the trigger still marks the contact
            session.execute(
                _RAW_INSERT, {"id": uuid.uuid4(), "cid": who.id, "at": NOW - timedelta(days=rng.uniform(0, 99))}
            )
        elif kind == "delete":
            first = session.scalar(select(Message.id).where(Message.contact_id == who.id).limit(1))
            session.execute(delete(Message).where(Message.id == first))
        elif kind == "move":
            row = session.execute(select(Message.id, Message.sent_at).where(Message.contact_id == who.id)).first()
            if row is not None:
                moved = row.sent_at - timedelta(days=rng.uniform(-10, 60))
                session.execute(update(Message).where(Message.id == row.id).values(sent_at=moved))
        elif kind == "flip":
            session.execute(update(Message).where(Message.contact_id == who.id).values(is_outbound=True))
        elif kind == "new_contact":
            fresh = contact(session, username=f"new{seed}_{step}")
            random_history(session, contact=fresh, seed=seed + step, count=rng.randint(0, 8))
        elif kind == "alone":  # recomputed by itself at another instant
            service.recompute_contact(session, contact_id=who.id, now=NOW + timedelta(days=rng.uniform(-30, 30)))
        else:  # a context card: now a special contact, the Python rules' own
            session.execute(update(Contact).where(Contact.id == who.id).values(what_theyre_building="a podcast"))
        session.flush()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(min_value=1, max_value=10_000),
    first=st.floats(min_value=-30, max_value=30),
    later=st.floats(min_value=-100, max_value=100),
)
def test_reading_changed_contacts_only_writes_what_reading_all_writes(
    session: Session, monkeypatch: pytest.MonkeyPatch, seed: int, first: float, later: float
) -> None:
    monkeypatch.setattr(incremental, "MAX_SHARE", 1.0)  # always take the incremental path here
    session.rollback()  # each example starts from an empty database
    people_with_histories(session, seed, 7)
    assert recompute(session, now=NOW + timedelta(days=first)).reread_contacts is None  # no mark yet: all
    _change_some(session, seed)
    now = NOW + timedelta(days=later)
    report = recompute(session, now=now)
    assert report.reread_contacts is not None
    by_increment = stored_rows(session)
    forget_scores(session)
    recompute(session, now=now, bulk=False)
    assert stored_rows(session) == by_increment
    assert recompute(session, now=now).updated == 0
    session.rollback()


def test_triggers_mark_new_contacts_and_changed_messages(session: Session) -> None:
    ann = contact(session, username="ann")
    bob = contact(session, username="bob")
    message(session, contact=bob, text="hi", days_ago=1)
    session.flush()
    assert _marked(session) == {"ann", "bob"}
    recompute(session, now=NOW)
    assert _marked(session) == set()
    message(session, contact=ann, text="hello", days_ago=1)
    session.flush()
    assert _marked(session) == {"ann"}
    recompute(session, now=NOW)
    session.execute(update(Message).where(Message.contact_id == bob.id).values(message_text="hi there"))
    assert _marked(session) == {"bob"}
    recompute(session, now=NOW)
    session.execute(delete(Message).where(Message.contact_id == ann.id))
    assert _marked(session) == {"ann"}
    service.recompute_contact(session, contact_id=bob.id, now=NOW)
    assert _marked(session) == {"ann", "bob"}  # recomputed alone: read again at the next full recompute
    recompute(session, now=NOW)
    thread = Conversation(contact_id=bob.id, thread_id="t1")
    session.add(thread)
    session.flush()
    session.add(
        Message(contact_id=bob.id, conversation_id=thread.id, message_text="in thread", is_outbound=False, sent_at=NOW)
    )
    session.flush()
    recompute(session, now=NOW)
    session.execute(delete(Conversation).where(Conversation.id == thread.id))  # its messages go by cascade
    assert session.scalar(select(func.count()).select_from(Message).where(Message.contact_id == bob.id)) == 1
    assert _marked(session) == {"bob"}


def test_a_quiet_month_reads_only_contacts_at_the_window_edges(session: Session) -> None:
    people = [contact(session, username=f"p{i}") for i in range(10)]
    for i, person in enumerate(people):
        message(session, contact=person, text="how's the launch going?", days_ago=10 + 30 * i)
    session.flush()
    recompute(session, now=NOW)
    # 25 days on, the window [-65, +25] days loses p2's message (70 days old); no other message crosses an edge.
    report = recompute(session, now=NOW + timedelta(days=25))
    assert report.reread_contacts == 1
    assert report.updated == 3  # recency moves p0 and p1 too; older touches were worth nothing already


def test_a_full_pass_when_rules_change_or_too_much_changed(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    people = [contact(session, username=f"p{i}") for i in range(8)]
    for person in people:
        message(session, contact=person, text="ok", days_ago=3)
    session.flush()
    recompute(session, now=NOW)
    assert recompute(session, now=NOW).reread_contacts == 0
    for person in people[:3]:  # 3 of 8 changed: above a quarter
        message(session, contact=person, text="lol", days_ago=2)
    session.flush()
    assert recompute(session, now=NOW).reread_contacts is None
    monkeypatch.setattr(incremental, "rules_fingerprint", lambda: "other rules")
    assert recompute(session, now=NOW).reread_contacts is None
    assert recompute(session, now=NOW).reread_contacts == 0
    assert recompute(session, now=NOW, full=True).reread_contacts is None
