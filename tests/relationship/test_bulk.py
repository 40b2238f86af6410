"""The in-database scoring of ordinary contacts (bulk.py) writes exactly what the Python rules write."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from everreach.db.models import Contact, Message
from everreach.relationship import scoring, service
from everreach.relationship.bulk import RECENCY_POINTS, recency_cutoffs
from everreach.relationship.recompute import recompute
from everreach.seed.defaults import seed_defaults
from tests.relationship.factories import (
    NOW,
    POOL,
    contact,
    forget_scores,
    message,
    people_with_histories,
    stored_rows,
)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=-10 * 86_400_000_000, max_value=120 * 86_400_000_000))
def test_recency_cutoffs_give_recency_value(age_us: int) -> None:
    last = NOW - timedelta(microseconds=age_us)
    cutoffs = recency_cutoffs(NOW)
    from_cutoffs = next((k for k, at in zip(RECENCY_POINTS, cutoffs, strict=True) if last >= at), 0)
    assert from_cutoffs == scoring.recency_value(last, now=NOW)


def test_each_cutoff_is_the_exact_boundary() -> None:
    for k, at in zip(RECENCY_POINTS, recency_cutoffs(NOW), strict=True):
        assert scoring.recency_value(at, now=NOW) >= k
        assert scoring.recency_value(at - timedelta(microseconds=1), now=NOW) < k


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=1, max_value=10_000), days_later=st.floats(min_value=0, max_value=100))
def test_bulk_path_writes_what_the_python_rules_write(session: Session, seed: int, days_later: float) -> None:
    session.rollback()  # each example starts from an empty database
    people_with_histories(session, seed, 6)
    now = NOW + timedelta(days=days_later)
    bulk = recompute(session, now=now)
    by_sql = stored_rows(session)
    assert recompute(session, now=now, bulk=False).updated == 0  # the Python rules find nothing to change
    forget_scores(session)
    by_python = recompute(session, now=now, bulk=False)
    assert stored_rows(session) == by_sql
    assert recompute(session, now=now).updated == 0  # and the SQL finds nothing to change either
    assert bulk.updated == by_python.updated == bulk.contacts == 8
    session.rollback()


def test_bulk_path_keeps_fit_summaries_and_leaves_unchanged_rows_alone(session: Session) -> None:
    seed_defaults(session)
    ana = contact(session, username="ana")
    message(session, contact=ana, text="honestly i always forget to follow up w people", days_ago=3)
    message(session, contact=ana, text="I keep forgetting to follow up", days_ago=1)
    message(session, contact=ana, text="sounds good, talk soon", days_ago=1, out=True)
    session.flush()
    first = recompute(session, now=NOW)
    stored = session.scalars(select(Contact).where(Contact.instagram_username == "ana")).one()
    assert first.new_fit_matches >= 2
    assert stored.fit_signals
    assert stored.fit_signals[0]["days"] == 2
    assert stored.relationship_stage == "first_touch"
    assert recompute(session, now=NOW).updated == 0
    health = service.record_value(session, username="ana", kind="link", note="a guide", now=NOW)
    assert health.components.value_delivered == 8  # now a special contact: the Python rules own it
    assert recompute(session, now=NOW).updated == 0


def test_contact_without_messages_gets_the_neutral_score(session: Session) -> None:
    contact(session, username="quiet", relationship_score=77, total_messages_sent=4)
    report = recompute(session, now=NOW)
    row = session.execute(select(Contact.relationship_score, Contact.total_messages_sent)).one()
    assert tuple(row) == (8, 0)
    assert report.updated == 1


def test_every_pool_text_scores_alike_both_ways(session: Session) -> None:
    for i, text in enumerate(POOL):
        c = contact(session, username=f"t{i:02d}")
        message(session, contact=c, text=text, days_ago=5)
        message(session, contact=c, text=text, days_ago=6, out=True)
    session.flush()
    recompute(session, now=NOW)
    by_sql = stored_rows(session)
    forget_scores(session)
    recompute(session, now=NOW, bulk=False)
    assert stored_rows(session) == by_sql


def test_summaries_follow_matches_added_and_deleted_between_recomputes(session: Session) -> None:
    seed_defaults(session)
    ana = contact(session, username="ana")
    message(session, contact=ana, text="honestly i always forget to follow up w people", days_ago=3)
    session.flush()
    recompute(session, now=NOW)
    assert session.scalar(select(Contact.fit_signals))[0]["matches"] == 1
    assert recompute(session, now=NOW).updated == 0  # nothing changed: the summaries are not even read
    message(session, contact=ana, text="I keep forgetting to follow up", days_ago=1)
    session.flush()
    recompute(session, now=NOW)
    assert session.scalar(select(Contact.fit_signals))[0]["matches"] == 2
    session.execute(delete(Message).where(Message.contact_id == ana.id))
    recompute(session, now=NOW)
    assert session.scalar(select(Contact.fit_signals)) == []
