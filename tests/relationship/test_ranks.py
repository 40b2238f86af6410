"""contact_ranks stays the exact image of instagram_contacts: through its triggers, and through a paused recompute."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from everreach.db.models import Contact
from everreach.db.models_derived import ContactRank
from everreach.relationship import queries, ranks
from everreach.relationship.recompute import recompute
from tests.relationship.factories import NOW, contact, random_history


def _expected(session: Session) -> list[tuple[Any, ...]]:
    """contact_ranks as it must be, worked out in Python from the contact rows."""
    rows = session.execute(
        select(Contact.relationship_score, Contact.id, Contact.last_meaningful_touch, Contact.tags)
    ).all()
    return sorted((1 if s is None else -s, cid, touch, "spam" in (tags or [])) for s, cid, touch, tags in rows)


def _ranks(session: Session) -> list[tuple[Any, ...]]:
    cols = (ContactRank.minus_score, ContactRank.contact_id, ContactRank.last_meaningful_touch, ContactRank.is_spam)
    return [tuple(r) for r in session.execute(select(*cols).order_by(ContactRank.minus_score, ContactRank.contact_id))]


def test_triggers_follow_inserts_updates_and_deletes(session: Session) -> None:
    ann = contact(session, username="ann", relationship_score=40)
    bob = contact(session, username="bob", relationship_score=None, tags=["spam", "vip"])
    contact(session, username="cy", relationship_score=40, tags=["not spam"])
    assert _ranks(session) == _expected(session)
    session.execute(update(Contact).where(Contact.id == ann.id).values(relationship_score=71))
    session.execute(update(Contact).where(Contact.id == bob.id).values(tags=["vip"], last_meaningful_touch=NOW))
    assert _ranks(session) == _expected(session)
    session.execute(update(Contact).values(display_name="someone else"))  # no ranked column: nothing to do
    session.execute(delete(Contact).where(Contact.id == ann.id))
    assert _ranks(session) == _expected(session)
    assert len(_ranks(session)) == 2


_OPS = st.lists(
    st.tuples(
        st.sampled_from(["add", "score", "touch", "tags", "delete"]),
        st.integers(min_value=0, max_value=5),
        st.one_of(st.none(), st.integers(min_value=0, max_value=100)),
    ),
    max_size=25,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=_OPS)
def test_any_sequence_of_writes_leaves_ranks_exact(session: Session, ops: list[tuple[str, int, int | None]]) -> None:
    session.rollback()
    for op, who, value in ops:
        name = f"u{who}"
        target = Contact.instagram_username == name
        exists = session.scalar(select(Contact.id).where(target)) is not None
        if op == "add" and not exists:
            contact(session, username=name, relationship_score=value)
        elif op == "score":
            session.execute(update(Contact).where(target).values(relationship_score=value))
        elif op == "touch":
            at = None if value is None else NOW - timedelta(days=value)
            session.execute(update(Contact).where(target).values(last_meaningful_touch=at))
        elif op == "tags":
            tags = None if value is None else (["spam"] if value % 2 else [f"t{value}"])
            session.execute(update(Contact).where(target).values(tags=tags))
        elif op == "delete":
            session.execute(delete(Contact).where(target))
    assert _ranks(session) == _expected(session)
    session.rollback()


def test_full_recompute_rebuilds_ranks_and_lifts_the_pause(session: Session, engine_name: str) -> None:
    people = [contact(session, username=f"p{i}", tags=["spam"] if i == 3 else None) for i in range(8)]
    for i, person in enumerate(people):
        random_history(session, contact=person, seed=i, count=3 * i)
    session.flush()
    recompute(session, now=NOW)
    assert _ranks(session) == _expected(session)
    # The pause ended with the recompute: a later write in the same transaction is followed again.
    session.execute(update(Contact).where(Contact.id == people[0].id).values(relationship_score=99))
    assert _ranks(session) == _expected(session)
    if engine_name == "sqlite":  # the update trigger is back, as it was
        triggers = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'contact_ranks_au'"
        assert session.scalar(text(triggers)) == 1


def test_a_failed_paused_block_rolls_back_with_its_pause(session: Session) -> None:
    ann = contact(session, username="ann", relationship_score=10)
    session.commit()

    def failing_recompute() -> None:
        with ranks.paused(session.connection()):
            session.execute(update(Contact).values(relationship_score=20))
            raise RuntimeError("recompute failed")

    with pytest.raises(RuntimeError):
        failing_recompute()
    session.rollback()
    session.execute(update(Contact).where(Contact.id == ann.id).values(relationship_score=30))
    assert _ranks(session) == _expected(session)
    assert _ranks(session)[0][0] == -30


def test_tasks_and_attention_follow_a_score_written_outside_recompute(session: Session) -> None:
    """Any writer keeps the walks right, not only EverReach's recompute."""
    people = [contact(session, username=f"q{i}", relationship_score=20) for i in range(3)]
    session.commit()
    session.execute(text("UPDATE instagram_contacts SET relationship_score = 65 WHERE instagram_username = 'q2'"))
    tasks = queries.weekly_tasks(session, now=NOW)
    assert tasks.micro_wins == ["q2"]
    assert tasks.rewarm == sorted(["q0", "q1"], key=lambda u: next(p.id for p in people if p.instagram_username == u))
    session.execute(text("UPDATE instagram_contacts SET next_planned_touch = :at WHERE instagram_username = 'q1'"),
                    {"at": (NOW - timedelta(days=2)).replace(tzinfo=None) if session.get_bind().dialect.name == "sqlite"
                     else NOW - timedelta(days=2)})  # fmt: skip
    assert [r.username for r in queries.attention(session, now=NOW)] == ["q1"]
