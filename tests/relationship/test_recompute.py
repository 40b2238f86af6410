"""Recompute v2 through the database: stored features and records in, stored standings and stage changes out."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from everreach.db.models import Contact, StageChange
from everreach.messages.featurestore import facts_for_contacts
from everreach.relationship import queries, service
from everreach.relationship.recompute import recompute
from everreach.relationship.records import load_records
from everreach.relationship.rules.assess import standing
from everreach.seed.defaults import seed_defaults
from tests.relationship.factories import NOW, contact, message, people_with_histories, stored_rows


def _amy(session: Session) -> Contact:
    amy = contact(session, username="amy")
    message(session, contact=amy, text="we're building a course platform and pricing is hard", days_ago=20,
            intents=("describes_project", "describes_friction"))  # fmt: skip
    message(session, contact=amy, text="i'll send you the pricing guide tonight", days_ago=19.9, out=True,
            intents=("promise",))  # fmt: skip
    message(session, contact=amy, text="here it is: https://example.com/guide", days_ago=19.5, out=True,
            intents=("delivers_value",))  # fmt: skip
    message(session, contact=amy, text="thank you so much, this helps a lot", days_ago=19, intents=("thanks",))
    return amy


def test_a_full_recompute_stores_what_the_rules_say(session: Session) -> None:
    seed_defaults(session)
    amy = _amy(session)
    quiet = contact(session, username="quiet")
    report = recompute(session, now=NOW)
    assert (report.contacts, report.assessed, report.updated) == (2, 2, 2)
    expected = standing(facts_for_contacts(session, [amy.id])[amy.id], load_records(session, [amy.id])[amy.id],
                        now=NOW)  # fmt: skip
    session.refresh(amy)
    values = expected.values()
    assert (amy.relationship_score, amy.relationship_stage) == (expected.score, "micro_win_delivered")
    assert (amy.resonance_score, amy.need_clarity_score, amy.value_delivered_score, amy.reliability_score,
            amy.consent_level) == (values["resonance"], 12, values["value_delivered"], 20, 0)  # fmt: skip
    assert amy.last_meaningful_touch == NOW - timedelta(days=19)
    session.refresh(quiet)
    assert (quiet.relationship_score, quiet.relationship_stage, quiet.last_meaningful_touch) == (8, "first_touch", None)


def test_each_stage_change_is_recorded_with_its_reason_and_messages(session: Session) -> None:
    amy = _amy(session)
    report = recompute(session, now=NOW)
    assert report.stage_changes == 2
    rows = session.scalars(select(StageChange).where(StageChange.contact_id == amy.id)).all()
    steps = sorted((r.from_stage, r.to_stage, r.source, r.reason) for r in rows)
    assert steps == [
        ("context_captured", "micro_win_delivered", "auto",
         "value delivered 1 time: “here it is: https://example.com/guide” (13 May 2025)"),
        ("first_touch", "context_captured", "auto",
         "need clarity 12 of at least 12: “we're building a course platform and pricing is hard” (12 May 2025)"),
    ]  # fmt: skip
    again = recompute(session, now=NOW)
    assert (again.updated, again.stage_changes) == (0, 0)


def test_a_second_run_writes_nothing_and_a_later_one_only_what_time_changed(session: Session) -> None:
    people_with_histories(session, seed=3, count=6)
    recompute(session, now=NOW)
    before = stored_rows(session)
    assert recompute(session, now=NOW).updated == 0
    assert stored_rows(session) == before
    later = recompute(session, now=NOW + timedelta(days=30))
    assert 0 < later.updated <= len(before)
    assert later.stage_changes == 0


def test_recomputing_some_contacts_stores_what_the_full_run_stores(session: Session) -> None:
    people_with_histories(session, seed=5, count=8)
    ids = list(session.scalars(select(Contact.id).order_by(Contact.instagram_username)))
    for cid in ids:
        recompute(session, now=NOW, ids=[cid], scan=False)
    one_by_one = stored_rows(session)
    session.execute(Contact.__table__.update().values(relationship_score=50, resonance_score=0))
    recompute(session, now=NOW)
    assert stored_rows(session) == one_by_one


def test_health_shows_what_recompute_stored(session: Session) -> None:
    seed_defaults(session)
    people_with_histories(session, seed=7, count=5)
    recompute(session, now=NOW)
    for row in stored_rows(session):
        h = queries.health(session, username=row[0], now=NOW)
        assert (h.score, h.stage, h.components.resonance) == (row[1], row[2], row[3])
        assert h.cadence.next_planned_touch == row[9]


def test_a_record_rescored_at_once_and_the_next_full_run_agrees(session: Session) -> None:
    _amy(session)
    recompute(session, now=NOW)
    health = service.record_value(session, username="amy", kind="intro", note="to a designer", now=NOW)
    session.expire_all()
    stored = session.scalar(select(Contact).where(Contact.instagram_username == "amy"))
    assert stored is not None
    assert (health.score, health.components.value_delivered) == (stored.relationship_score,
                                                                  stored.value_delivered_score)  # fmt: skip
    assert recompute(session, now=NOW).updated == 0


def test_the_next_planned_touch_follows_the_usual_gap_or_the_interval(session: Session) -> None:
    nia = contact(session, username="nia")
    for days in (40, 30, 20, 10):
        message(session, contact=nia, text="a real catch-up about the studio", days_ago=days)
    recompute(session, now=NOW)
    session.refresh(nia)
    assert nia.next_planned_touch == NOW - timedelta(days=10) + timedelta(days=10)
    from everreach.relationship.contact_details import set_keep_in_touch

    assert set_keep_in_touch(session, username="nia", days=30, now=NOW) == NOW + timedelta(days=20)
    assert recompute(session, now=NOW).updated == 0
