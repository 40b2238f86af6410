"""The records loader: every kind of record the user keeps, as the rules read it, for many contacts at once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from everreach.db.models import OutreachItem, RelationshipEvent
from everreach.db.models_v2 import EvidenceReview
from everreach.relationship import service
from everreach.relationship.contact_details import set_keep_in_touch
from everreach.relationship.records import load_records
from everreach.relationship.rules.inputs import LoggedEntry, LoggedEvent, UserRecords
from tests.relationship.factories import NOW, contact


def test_a_contact_without_records_reads_as_empty(session: Session) -> None:
    quiet = contact(session, username="quiet")
    assert load_records(session, [quiet.id]) == {quiet.id: UserRecords(stage="first_touch")}


def test_every_kind_of_record_is_read(session: Session) -> None:
    ann = contact(session, username="ann")
    service.update_context_card(session, username="ann", now=NOW, what_theyre_building=" a shop ", constraints="")
    service.record_value(session, username="ann", kind="intro", note="to a designer", now=NOW - timedelta(days=2))
    service.record_promise(session, username="ann", note="the deck", now=NOW - timedelta(days=1))
    service.record_trust_signal(session, username="ann", kind="refers_others", note="sent Bo", now=NOW)
    service.record_consent(session, username="ann", kind="opt_in", note="yes please", now=NOW)
    service.record_template_used(session, username="ann", lane="service", action_key="share_resource", now=NOW)
    set_keep_in_touch(session, username="ann", days=21, now=NOW - timedelta(days=1))
    set_keep_in_touch(session, username="ann", days=10, now=NOW)
    session.add(EvidenceReview(contact_id=ann.id, evidence_id="trust:m1", verdict="dismissed", reviewed_at=NOW))
    session.add(EvidenceReview(contact_id=ann.id, evidence_id="promise:m2", verdict="confirmed", reviewed_at=NOW))
    session.add(OutreachItem(contact_id=ann.id, username="ann", message_text="hi", status="scheduled"))
    session.flush()

    r = load_records(session, [ann.id])[ann.id]
    assert r.card_value("what_theyre_building") == "a shop"
    assert r.card_value("constraints") == ""
    assert r.value_log == (
        LoggedEntry("intro", NOW - timedelta(days=2), "to a designer"),
        LoggedEntry("promise", NOW - timedelta(days=1), "the deck"),
    )
    assert r.trust_log == (LoggedEntry("refers_others", NOW, "sent Bo"),)
    assert [(e.kind, e.detail) for e in r.events] == [
        ("consent_opt_in", "yes please"), ("template_used", "service/share_resource")
    ]  # fmt: skip
    assert all(isinstance(e, LoggedEvent) and e.at == NOW for e in r.events)
    assert r.keep_in_touch_days == 10  # the newest wins
    assert (r.dismissed, r.confirmed) == (frozenset({"trust:m1"}), frozenset({"promise:m2"}))
    assert r.open_message
    assert r.stage == "first_touch"
    assert r.pinned_at is None


def test_a_cleared_interval_and_a_sent_message_count_for_nothing(session: Session) -> None:
    bo = contact(session, username="bo")
    set_keep_in_touch(session, username="bo", days=7, now=NOW - timedelta(days=3))
    set_keep_in_touch(session, username="bo", days=None, now=NOW)
    for status in ("sent", "failed", "cancelled"):
        session.add(OutreachItem(contact_id=bo.id, username="bo", message_text=status, status=status))
    session.add(RelationshipEvent(contact_id=bo.id, kind="note", detail="not a rule input", occurred_at=NOW))
    session.flush()
    r = load_records(session, [bo.id])[bo.id]
    assert r.keep_in_touch_days is None
    assert not r.open_message
    assert r.events == ()


def test_a_move_back_by_hand_pins_the_stage_until_it_moves_forward(session: Session) -> None:
    cy = contact(session, username="cy")
    service.set_stage(session, username="cy", stage="trust_signals", reason="known her for years", now=NOW)
    assert load_records(session, [cy.id])[cy.id].pinned_at is None  # forwards: automatic advance goes on
    back = NOW + timedelta(hours=1)
    service.set_stage(session, username="cy", stage="context_captured", reason="not yet", now=back)
    r = load_records(session, [cy.id])[cy.id]
    assert (r.stage, r.pinned_at) == ("context_captured", back)
    service.record_purchase(session, username="cy", product="course", now=back + timedelta(hours=1))
    r = load_records(session, [cy.id])[cy.id]
    assert (r.stage, r.pinned_at) == ("post_win", None)


def test_many_contacts_load_in_one_call_and_every_contact_without_ids(session: Session) -> None:
    people = [contact(session, username=f"p{i}", what_theyre_building=f"thing {i}") for i in range(5)]
    chosen = load_records(session, [p.id for p in people[:3]])
    assert set(chosen) == {p.id for p in people[:3]}
    everyone = load_records(session)
    assert set(everyone) == {p.id for p in people}
    assert [everyone[p.id].card_value("what_theyre_building") for p in people] == [f"thing {i}" for i in range(5)]


def test_some_contacts_read_as_every_contact_reads_them(session: Session) -> None:
    """The read of some contacts (one statement, JSON beside each row) gives what the set-based read of every
    contact gives, record for record: events in order (ties on occurred_at by created_at), reviews, the
    waiting flag, the latest stage change and its pin, metadata as stored."""
    people = [contact(session, username=f"q{i}") for i in range(4)]
    service.update_context_card(session, username="q0", now=NOW, current_friction="follow-ups")
    service.record_value(session, username="q0", kind="link", note="the guide", now=NOW)
    service.record_consent(session, username="q0", kind="opt_in", note="sure", now=NOW)
    set_keep_in_touch(session, username="q0", days=30, now=NOW)
    set_keep_in_touch(session, username="q0", days=12, now=NOW)  # same instant: the one created last wins
    earlier = NOW - timedelta(days=1)  # created before the two above, at their instant: read first
    session.add(RelationshipEvent(contact_id=people[0].id, kind="keep_in_touch", occurred_at=NOW, created_at=earlier,
                                  metadata_={"days": 99}))  # fmt: skip
    service.set_stage(session, username="q1", stage="trust_signals", reason="years", now=NOW)
    service.set_stage(session, username="q1", stage="context_captured", reason="not yet", now=NOW + timedelta(hours=1))
    session.add(EvidenceReview(contact_id=people[1].id, evidence_id="trust:m1", verdict="dismissed", reviewed_at=NOW))
    session.add(EvidenceReview(contact_id=people[1].id, evidence_id="value:m2", verdict="confirmed", reviewed_at=NOW))
    session.add(OutreachItem(contact_id=people[2].id, username="q2", message_text="hi", status="pending"))
    session.add(OutreachItem(contact_id=people[2].id, username="q2", message_text="old", status="sent"))
    session.flush()

    everyone = load_records(session)
    some = load_records(session, [p.id for p in people])
    assert some == {p.id: everyone[p.id] for p in people}
    assert some[people[0].id].keep_in_touch_days == 12
    assert some[people[1].id].pinned_at == NOW + timedelta(hours=1)
    assert some[people[2].id].open_message
    assert not some[people[3].id].open_message
    assert load_records(session, []) == {}
