"""Each derived table's incremental path keeps what its rebuild() builds (contact_ranks: test_ranks.py)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from everreach.db.models import Contact
from everreach.db.models_derived import ContactToRescore, RecomputeMark
from everreach.relationship import marks, offer_ready, service, summaries
from everreach.relationship.recompute import recompute
from tests.relationship.factories import NOW, contact, message, people_with_histories, stored_rows


def _ready_by_events(session: Session, name: str) -> None:
    contact(session, username=name)
    for kind in ("intro", "feedback", "resource"):
        service.record_value(session, username=name, kind=kind, note="helped", now=NOW)
    service.record_consent(session, username=name, kind="offer_yes", note="sounds great", now=NOW)


def test_offer_ready_kept_one_contact_at_a_time_equals_its_rebuild(session: Session) -> None:
    for name in ("ana", "ben", "cai"):
        _ready_by_events(session, name)
    contact(session, username="dee")
    service.record_value(session, username="dee", kind="link", note="one link", now=NOW)
    service.set_stage(session, username="ben", stage="first_touch", reason="not ready after all", now=NOW)
    kept = offer_ready.marked(session)
    names = {row.id: row.instagram_username for row in session.execute(select(Contact.id, Contact.instagram_username))}
    assert sorted(names[c] for c in kept) == ["ana", "cai"]
    assert offer_ready.rebuild(session, now=NOW) == 2
    assert offer_ready.marked(session) == kept


def test_offer_ready_after_a_full_recompute_equals_its_rebuild(session: Session) -> None:
    _ready_by_events(session, "ana")
    people_with_histories(session, seed=2, count=6)
    recompute(session, now=NOW)
    kept = offer_ready.marked(session)
    offer_ready.rebuild(session, now=NOW)
    assert offer_ready.marked(session) == kept
    assert len(kept) == 1


def test_fit_summaries_kept_by_recompute_equal_their_rebuild(session: Session) -> None:
    ivy = contact(session, username="ivy")
    message(session, contact=ivy, text="my dms are a mess", days_ago=9, fits=("everreach/follow_up_messy",))
    message(session, contact=ivy, text="still a mess in here", days_ago=2, fits=("everreach/follow_up_messy",))
    message(session, contact=ivy, text="and no idea what to post", days_ago=2, fits=("keywordradar/seo_uncertainty",))
    message(session, contact=ivy, text="mine are a mess too", days_ago=1, out=True, fits=("everreach/follow_up_messy",))
    people_with_histories(session, seed=4, count=4)
    recompute(session, now=NOW)
    session.refresh(ivy)
    assert ivy.fit_signals == [
        {"product": "everreach", "signal_key": "follow_up_messy", "matches": 2, "days": 2,
         "last_matched_on": (NOW - timedelta(days=2)).isoformat()},
        {"product": "keywordradar", "signal_key": "seo_uncertainty", "matches": 1, "days": 1,
         "last_matched_on": (NOW - timedelta(days=2)).isoformat()},
    ]  # fmt: skip
    kept = stored_rows(session)
    assert summaries.rebuild(session) == 0
    session.execute(update(Contact).values(fit_signals=[{"product": "x", "signal_key": "stale"}]))
    assert summaries.rebuild(session) == len(kept)
    session.expire_all()
    assert stored_rows(session) == kept


def _marked(session: Session) -> set[uuid.UUID]:
    return set(session.scalars(select(ContactToRescore.contact_id)))


def test_marks_kept_by_the_triggers_and_by_rebuild(session: Session) -> None:
    ann, bob = contact(session, username="ann"), contact(session, username="bob")
    assert _marked(session) == {ann.id, bob.id}  # new contacts
    recompute(session, now=NOW)
    assert _marked(session) == set()
    assert marks.last_full(session.connection()) == NOW
    message(session, contact=bob, text="are you around next week?", days_ago=0)
    assert _marked(session) == {bob.id}
    assert marks.claim_marked(session.connection()) == {bob.id}
    marks.rebuild(session.connection())
    assert _marked(session) == {ann.id, bob.id}
    assert session.scalar(select(RecomputeMark).where(RecomputeMark.name == marks.FULL)) is None
