"""message_features: stored by store_features, read back as MessageFacts, kept in step by the triggers."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from everreach.db.models import Contact, Message
from everreach.db.models_v2 import MessageFeature
from everreach.messages.featurerows import reading_key
from everreach.messages.featurestore import facts_for_contacts, iter_facts, rebuild, store_features
from everreach.understanding import classifier_for
from tests.messages.factories import NOW, contact, message


def test_stored_features_come_back_as_message_facts_in_time_order(session: Session) -> None:
    ann = contact(session, username="ann")
    bob = contact(session, username="bob")
    later = message(session, contact=ann, text="I'm so excited! what do you think of my landing page?", days_ago=1)
    first = message(session, contact=ann, text="ok", days_ago=3)
    sent = message(session, contact=ann, text="i'll send you the template tomorrow", days_ago=2, out=True, auto=True)
    thanks = message(session, contact=ann, text="thanks so much!!", days_ago=0)
    store_features(session, [later, first, sent, thanks])
    facts = facts_for_contacts(session, [ann.id, bob.id])
    assert facts[bob.id] == []
    assert [f.id for f in facts[ann.id]] == [str(m.id) for m in (first, sent, later, thanks)]
    filler, auto, rich, thanked = facts[ann.id]
    assert (filler.meaningful, filler.length, filler.is_outbound) == (False, 2, False)
    assert (auto.automated, auto.meaningful, auto.intents, auto.is_outbound) == (True, False, frozenset(), True)
    assert (rich.meaningful, rich.question, rich.self_disclosure, rich.emotion) == (True, True, True, True)
    assert rich.sent_at == later.sent_at
    assert rich.excerpt == later.text
    assert thanked.intents == frozenset({"thanks"})


def test_iter_facts_streams_every_contact_with_features_in_id_order(session: Session) -> None:
    people = [contact(session, username=f"p{i}") for i in range(5)]
    written = [message(session, contact=p, text=f"hello number {i}", days_ago=i + 1) for i, p in enumerate(people[:4])]
    written.append(message(session, contact=people[0], text="and again", days_ago=0.5))
    store_features(session, written)
    streamed = list(iter_facts(session, batch_contacts=2))
    assert [cid for cid, _ in streamed] == sorted(p.id for p in people[:4])
    by_contact = dict(streamed)
    assert [f.excerpt for f in by_contact[people[0].id]] == ["hello number 0", "and again"]


def test_triggers_follow_a_moved_message_and_mark_a_changed_one_stale(session: Session) -> None:
    ann = contact(session, username="ann")
    bob = contact(session, username="bob")
    msg = message(session, contact=ann, text="we launched the podcast", days_ago=1)
    store_features(session, [msg])
    key = reading_key(classifier_for(session))
    session.execute(update(Message).where(Message.id == msg.id).values(contact_id=bob.id, sent_at=NOW))
    row = session.get(MessageFeature, msg.id, populate_existing=True)
    assert row is not None
    assert (row.contact_id, row.sent_at, row.model_key) == (bob.id, NOW, key)
    session.execute(update(Message).where(Message.id == msg.id).values(message_type="unsent"))
    row = session.get(MessageFeature, msg.id, populate_existing=True)
    assert row is not None
    assert row.model_key == ""
    assert rebuild(session, stale_only=True) == 1
    fact = facts_for_contacts(session, [bob.id])[bob.id][0]
    assert not fact.meaningful
    session.execute(delete(Contact).where(Contact.id == bob.id))
    assert session.scalar(select(MessageFeature.message_id)) is None
