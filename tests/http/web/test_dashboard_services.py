"""The services behind the dashboard: contact browsing, stage weeks, timeline, details, suggestions, search paging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from everreach.db.models import Contact, OutreachItem, RelationshipEvent, StageChange
from everreach.errors import ValidationError
from everreach.messages.search import search_messages
from everreach.outreach import queue
from everreach.outreach.suggested import open_messages, queue_suggestion
from everreach.relationship.contact_details import keep_in_touch_days, set_keep_in_touch, update_tags_and_notes
from everreach.relationship.directory import browse_contacts
from everreach.relationship.stage_weeks import stage_weeks
from everreach.relationship.timeline import timeline
from tests.http.conftest import add_contact, add_messages

NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)


def _people(session: Session) -> None:
    for name, display, score, stage in [("ann", "Ann Lee", 70, "trust_signals"), ("bob", "Bobby Tables", 30, None),
                                        ("cleo", "Ann-Marie Cleo", 90, "context_captured")]:  # fmt: skip
        add_contact(session, name, display_name=display, relationship_score=score, relationship_stage=stage)


def test_browse_filters_by_handle_or_name_counts_and_sorts_both_ways(session: Session) -> None:
    _people(session)
    found = browse_contacts(session, query="ANN", sort="name", descending=False)
    assert (found.total, [r.username for r in found.rows]) == (2, ["ann", "cleo"])
    assert browse_contacts(session, query="@bob").total == 1
    assert browse_contacts(session, query="50%_").total == 0  # wildcards are literal
    for column in ("name", "score", "stage", "lane", "touch"):
        up = [r.username for r in browse_contacts(session, sort=column, descending=False).rows]
        down = [r.username for r in browse_contacts(session, sort=column, descending=True).rows]
        assert sorted(up) == sorted(down) == ["ann", "bob", "cleo"]
    assert [r.username for r in browse_contacts(session, sort="score", descending=True).rows] == ["cleo", "ann", "bob"]
    assert [r.username for r in browse_contacts(session, sort="stage", descending=False).rows] == ["bob", "cleo", "ann"]
    paged = browse_contacts(session, sort="name", descending=False, limit=1, offset=1)
    assert (paged.total, [r.username for r in paged.rows]) == (3, ["bob"])
    with pytest.raises(ValidationError):
        browse_contacts(session, sort="nope")


def test_stage_weeks_undo_later_changes_and_leave_out_later_contacts(session: Session) -> None:
    _people(session)
    session.execute(update(Contact).values(created_at=NOW - timedelta(days=100)))
    ann = session.query(Contact).filter_by(instagram_username="ann").one()
    cleo = session.query(Contact).filter_by(instagram_username="cleo").one()
    session.add_all([
        StageChange(contact_id=ann.id, from_stage="first_touch", to_stage="context_captured", reason="r",
                    changed_at=NOW - timedelta(days=20)),
        StageChange(contact_id=ann.id, from_stage="context_captured", to_stage="trust_signals", reason="r",
                    changed_at=NOW - timedelta(days=3)),
    ])  # fmt: skip
    cleo.created_at = NOW - timedelta(days=10)
    session.flush()
    weeks = stage_weeks(session, weeks=4, now=NOW)
    end_of_day = datetime(2025, 6, 3, tzinfo=UTC) - timedelta(microseconds=1)  # NOW's day, to its last instant
    assert [w.at for w in weeks] == [end_of_day - timedelta(days=d) for d in (21, 14, 7)] + [NOW]
    counts = [{k: v for k, v in w.counts.items() if v} for w in weeks]
    assert counts[0] == {"first_touch": 2}  # cleo did not exist yet
    assert counts[1] == {"first_touch": 1, "context_captured": 1}
    assert counts[2] == {"first_touch": 1, "context_captured": 2}
    assert counts[3] == {"first_touch": 1, "context_captured": 1, "trust_signals": 1}
    # cleo's own change after she was created: undone in the week she existed, not before it
    session.add(StageChange(contact_id=cleo.id, from_stage="first_touch", to_stage="context_captured", reason="r",
                            changed_at=NOW - timedelta(days=5)))  # fmt: skip
    session.flush()
    counts = [{k: v for k, v in w.counts.items() if v} for w in stage_weeks(session, weeks=4, now=NOW)]
    assert counts[:3] == [{"first_touch": 2}, {"first_touch": 1, "context_captured": 1},
                          {"first_touch": 2, "context_captured": 1}]  # fmt: skip


def test_timeline_has_messages_records_stages_and_sends_newest_first(session: Session) -> None:
    jane = add_contact(
        session, "jane", value_delivered_log=[{"kind": "link", "note": "guide", "at": "2025-05-01T10:00:00+00:00"}]
    )
    add_messages(session, jane, [("hello", False), ("hi back", True)], start=NOW - timedelta(days=40))
    session.add(StageChange(contact_id=jane.id, from_stage="first_touch", to_stage="context_captured", reason="r",
                            changed_at=NOW - timedelta(days=5)))  # fmt: skip
    queue.add_to_queue(session, username="jane", text="how are you?", now=NOW)
    entries = timeline(session, username="jane")
    assert [e.kind for e in entries] == ["send", "stage", "record", "message", "message"]
    assert entries[-1].text == "hello"
    stamps = [e.at for e in entries]
    assert stamps == sorted(stamps, reverse=True)


def test_tags_notes_and_keep_in_touch(session: Session) -> None:
    ann = add_contact(session, "ann")
    add_messages(
        session, ann, [("we met at the climbing gym, so good to see you", False)], start=NOW - timedelta(days=2)
    )
    update_tags_and_notes(session, username="ann", tags=" Lead, lead ,  Climbing Gym ", notes="  met in Lisbon ")
    assert (ann.tags, ann.notes) == (["lead", "climbing gym"], "met in Lisbon")
    with pytest.raises(ValidationError):
        update_tags_and_notes(session, username="ann", tags="x" * 41, notes="")
    planned = set_keep_in_touch(session, username="ann", days=14, now=NOW)
    assert planned == NOW - timedelta(days=2) + timedelta(days=14)
    set_keep_in_touch(session, username="ann", days=30, now=NOW + timedelta(seconds=1))
    assert keep_in_touch_days(session, contact_id=ann.id) == 30
    set_keep_in_touch(session, username="ann", days=None, now=NOW + timedelta(seconds=2))
    assert keep_in_touch_days(session, contact_id=ann.id) is None
    assert ann.next_planned_touch is None
    with pytest.raises(ValidationError):
        set_keep_in_touch(session, username="ann", days=0)


def test_queue_suggestion_send_now_records_template_and_refuses_a_second(session: Session) -> None:
    add_contact(session, "ann")
    item = queue_suggestion(session, username="ann", text=" my edit ", lane="rewarm", action_key="low_friction",
                            send_now=True, now=NOW)  # fmt: skip
    assert (item.message_text, item.priority, item.status) == ("my edit", 10, "pending")
    used = session.query(RelationshipEvent).filter_by(kind="template_used").one()
    assert used.detail == "rewarm/low_friction"
    assert open_messages(session, usernames=["ann", "bob"])["ann"].id == item.id
    with pytest.raises(queue.OpenMessageExists):
        queue_suggestion(session, username="ann", text="again", now=NOW)
    second = queue_suggestion(session, username="ann", text="again", force=True, now=NOW)
    assert second.priority == 5
    session.execute(update(OutreachItem).values(status="sent"))
    assert open_messages(session, usernames=["ann"]) == {}


def test_message_search_pages_with_offset(session: Session) -> None:
    c = add_contact(session, "talker")
    add_messages(session, c, [(f"launch note {i}", False) for i in range(7)], start=NOW - timedelta(days=1))
    first = search_messages(session, query="launch note", limit=5)
    rest = search_messages(session, query="launch note", limit=5, offset=5)
    assert len(first) == 5
    assert len(rest) == 2
    assert {h.text for h in first}.isdisjoint({h.text for h in rest})
