"""What the user records rescores the contact at once; stages, lanes, templates and listings follow (v2)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from everreach.contacts.lookup import get_contact
from everreach.db.models import Contact, StageChange
from everreach.db.models_derived import OfferReadyContact
from everreach.errors import NotFoundError, ValidationError
from everreach.relationship import directory, queries, service
from everreach.seed.defaults import seed_defaults
from tests.relationship.factories import NOW, contact, message


def test_recording_updates_score_and_stage_immediately(session: Session) -> None:
    seed_defaults(session)
    contact(session, username="maya")
    h = service.update_context_card(
        session, username="@Maya", now=NOW, what_theyre_building="a course", current_friction="launch"
    )
    assert (h.components.need_clarity, h.stage) == (12, "context_captured")
    h = service.record_value(session, username="maya", kind="link", note="guide", now=NOW)
    assert (h.components.value_delivered, h.stage) == (8, "micro_win_delivered")
    h = service.record_promise(session, username="maya", note="intro to sam", now=NOW)
    assert h.components.reliability == 0
    h = service.record_promise_kept(session, username="maya", note="intro done", now=NOW)
    assert h.components.reliability == 20
    h = service.record_trust_signal(session, username="maya", kind="asks_opinion", note="pricing", now=NOW)
    assert h.components.consent_level == 4
    h = service.record_consent(session, username="maya", kind="offer_yes", note="yes", now=NOW)
    assert (h.components.consent_level, h.stage) == (12, "permissioned_offer")
    h = service.record_purchase(session, username="maya", product="everreach", now=NOW)
    assert (h.stage, h.lane) == ("post_win", "retention")
    history = queries.stage_history(session, username="maya")
    assert [(r.to_stage, r.source) for r in history] == [
        ("context_captured", "auto"), ("micro_win_delivered", "auto"), ("permissioned_offer", "event"),
        ("post_win", "event"),
    ]  # fmt: skip


def test_the_health_a_change_returns_is_the_health_read_afterwards(session: Session) -> None:
    """A change answers with the standing its own recompute computed: the same as reading the contact again."""
    seed_defaults(session)
    made = contact(session, username="ivo")
    message(session, contact=made, text="i'm building a booking tool for dentists", days_ago=3)
    message(session, contact=made, text="i'll send you the template tomorrow", days_ago=2, out=True)
    changes = [
        lambda: service.update_context_card(session, username="ivo", now=NOW, current_friction="no-shows"),
        lambda: service.record_value(session, username="ivo", kind="template", note="intake form", now=NOW),
        lambda: service.record_trust_signal(session, username="ivo", kind="refers_others", note="ana", now=NOW),
        lambda: service.record_consent(session, username="ivo", kind="offer_yes", note="yes", now=NOW),
    ]
    for change in changes:
        returned = change()
        session.commit()
        assert returned == queries.health(session, username="ivo", now=NOW)


def test_user_can_move_a_stage_back_and_it_stays(session: Session) -> None:
    contact(session, username="leo", what_theyre_building="x", current_friction="y")
    service.recompute_all(session, now=NOW)
    h = service.set_stage(session, username="leo", stage="first_touch", reason="not really", now=NOW)
    assert h.stage == "first_touch"
    service.recompute_all(session, now=NOW + timedelta(hours=1))
    assert queries.health(session, username="leo", now=NOW).stage == "first_touch"
    last = queries.stage_history(session, username="leo")[-1]
    assert (last.from_stage, last.to_stage, last.source, last.reason) == (
        "context_captured", "first_touch", "user", "not really"
    )  # fmt: skip


def test_validation_and_unknown_contacts(session: Session) -> None:
    contact(session, username="zoe")
    with pytest.raises(NotFoundError, match="nobody"):
        queries.health(session, username="nobody")
    with pytest.raises(NotFoundError):
        service.record_value(session, username="nobody", kind="link", note="x")
    with pytest.raises(ValidationError, match="value kind"):
        service.record_value(session, username="zoe", kind="gift", note="x")
    with pytest.raises(ValidationError, match="stage"):
        service.set_stage(session, username="zoe", stage="besties", reason="")
    with pytest.raises(ValidationError, match="unknown context"):
        service.update_context_card(session, username="zoe", favourite_colour="blue")


def test_next_best_actions_skip_templates_used_in_30_days(session: Session) -> None:
    seed_defaults(session)
    contact(session, username="ana", what_theyre_building="a podcast")
    first = queries.next_best_actions(session, username="ana", now=NOW)
    assert first.lane == "rewarm"
    assert [a.action_key for a in first.actions] == ["been_a_while", "low_friction", "no_pressure_hello"]
    service.record_template_used(session, username="ana", lane="rewarm", action_key="been_a_while", now=NOW)
    later = queries.next_best_actions(session, username="ana", now=NOW + timedelta(days=29))
    assert [a.action_key for a in later.actions] == ["low_friction", "no_pressure_hello"]
    after = queries.next_best_actions(session, username="ana", now=NOW + timedelta(days=31))
    assert after.actions[0].action_key == "been_a_while"


def _offer_ready(session: Session, name: str) -> None:
    contact(session, username=name)
    service.set_stage(session, username=name, stage="fit_repeats", reason="said it three times", now=NOW)
    service.record_trust_signal(session, username=name, kind="refers_others", note="sent a friend", now=NOW)


def test_offer_lane_needs_trust_and_three_to_one(session: Session) -> None:
    seed_defaults(session)
    _offer_ready(session, "kai")
    assert queries.next_best_actions(session, username="kai", now=NOW).lane != "offer"
    for note in ("a", "b", "c"):
        service.record_value(session, username="kai", kind="resource", note=note, now=NOW)
    result = queries.next_best_actions(session, username="kai", now=NOW)
    assert result.lane == "offer"
    assert result.actions[0].action_key == "low_key_demo"  # ask_before_pitch needs current_friction
    assert queries.weekly_tasks(session, now=NOW).offers == ["kai"]
    assert [r.username for r in directory.list_contacts(session, lane="offer")] == ["kai"]
    service.record_template_used(session, username="kai", lane="offer", action_key="low_key_demo", now=NOW)
    assert queries.next_best_actions(session, username="kai", now=NOW).lane != "offer"  # now needs 6 value touches
    assert queries.weekly_tasks(session, now=NOW).offers == []


def test_offer_ready_mark_follows_a_stage_set_by_hand(session: Session) -> None:
    seed_defaults(session)
    _offer_ready(session, "kai")
    for note in ("a", "b", "c"):
        service.record_value(session, username="kai", kind="resource", note=note, now=NOW)
    kai = get_contact(session, username="kai")
    assert session.scalars(select(OfferReadyContact.contact_id)).all() == [kai.id]
    service.set_stage(session, username="kai", stage="trust_signals", reason="not ready after all", now=NOW)
    assert queries.weekly_tasks(session, now=NOW).offers == []
    assert session.scalars(select(OfferReadyContact.contact_id)).all() == []


def test_tasks_break_score_ties_by_id_across_a_crowded_score(session: Session) -> None:
    made = [contact(session, username=f"tie{i:02d}") for i in range(14)]
    for c in made:
        session.execute(update(Contact).where(Contact.id == c.id).values(relationship_score=75))
    session.flush()
    expected = sorted(made, key=lambda c: c.id)[:10]
    assert queries.weekly_tasks(session, now=NOW).micro_wins == [c.instagram_username for c in expected]


def test_listing_filters_by_score_tag_and_lane(session: Session) -> None:
    for username, score, tags in [("high", 90, None), ("mid", 50, None), ("low", 10, None), ("fresh", 70, None),
                                  ("spammer", 95, ["spam"]), ("vip", 65, ["vip"])]:  # fmt: skip
        c = contact(session, username=username, tags=tags)
        session.execute(update(Contact).where(Contact.id == c.id).values(relationship_score=score))
    session.flush()
    assert [r.username for r in directory.list_contacts(session, min_score=50, max_score=70)] == ["fresh", "vip", "mid"]
    assert [r.username for r in directory.list_contacts(session, tag="vip")] == ["vip"]
    assert [r.username for r in directory.list_contacts(session, lane="friendship")] == ["spammer", "high"]
    assert [r.username for r in directory.list_contacts(session, lane="rewarm")] == ["low"]
    assert [r.username for r in directory.list_contacts(session, sort="username", limit=2, offset=1)] == ["high", "low"]


def test_fit_signal_summary_and_matches(session: Session) -> None:
    seed_defaults(session)
    c = contact(session, username="ivy")
    message(session, contact=c, text="my dms are a mess lol", days_ago=3)
    message(session, contact=c, text="my dms are a mess lol", days_ago=3.5, out=True)  # outbound: never matched
    service.recompute_all(session, now=NOW)
    summary = {r.signal_key: (r.matches, r.contacts) for r in queries.fit_signal_summary(session)}
    assert summary["network_messy"] == (1, 1)
    rows = queries.fit_matches(session, username="ivy")
    assert [(r.signal_key, r.matched_phrase, r.message_text) for r in rows] == [
        ("network_messy", "My DMs are a mess", "my dms are a mess lol")
    ]
    assert session.scalar(select(StageChange.id).limit(1)) is None


def test_health_shows_the_stage_its_fresh_score_earns(session: Session) -> None:
    c = contact(session, username="mia", what_theyre_building="a podcast", current_friction="no guests")
    assert c.relationship_stage == "first_touch"  # filled in without a recompute (an import, another tool)
    assert queries.health(session, username="mia", now=NOW).stage == "context_captured"
    service.recompute_contact(session, contact_id=c.id, now=NOW)
    session.refresh(c)
    assert c.relationship_stage == "context_captured"
