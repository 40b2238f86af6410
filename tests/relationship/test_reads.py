"""The read side on stored standings: next best action, attention and the weekly tasks."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from everreach.db.models import Contact, OutreachItem
from everreach.relationship import queries
from everreach.relationship.recompute import recompute
from everreach.seed.defaults import seed_defaults
from tests.relationship.factories import NOW, contact, message


def test_open_loops_come_first_and_nothing_while_a_message_waits(session: Session) -> None:
    seed_defaults(session)
    ivy = contact(session, username="ivy")
    message(session, contact=ivy, text="i'll send you the deck tomorrow", days_ago=20, out=True, intents=("promise",))
    message(session, contact=ivy, text="did you get a chance to look at it?", days_ago=2, intents=())
    nxt = queries.next_best_actions(session, username="ivy", now=NOW)
    assert [a.action_key for a in nxt.actions[:2]] == ["answer_question", "deliver_promise"]
    assert "“did you get a chance to look at it?”" in nxt.actions[0].text
    assert "6 days past the 14 you had" in nxt.actions[1].reason
    assert len(nxt.actions) == 3  # and one template of the lane
    session.add(OutreachItem(contact_id=ivy.id, username="ivy", message_text="sorry, here it is", status="pending"))
    session.flush()
    waiting = queries.next_best_actions(session, username="ivy", now=NOW)
    assert (waiting.waiting, waiting.actions) == (True, [])


def _regular(session: Session, username: str, *, gap: int, last: int) -> Contact:
    """A contact touched every `gap` days, the last time `last` days ago."""
    c = contact(session, username=username)
    for k in range(5):
        message(session, contact=c, text="a real catch-up about how things are going", days_ago=last + k * gap,
                intents=())  # fmt: skip
    return c


def test_attention_lists_the_overdue_first_with_why(session: Session) -> None:
    _regular(session, "late", gap=7, last=30)  # planned 23 days ago
    _regular(session, "later", gap=10, last=12)  # planned 2 days ago
    _regular(session, "soon", gap=10, last=3)  # planned in 7 days
    spam = _regular(session, "spammy", gap=7, last=40)
    session.execute(update(Contact).where(Contact.id == spam.id).values(tags=["spam"]))
    contact(session, username="never")  # no plan at all
    recompute(session, now=NOW)
    rows = queries.attention(session, now=NOW)
    assert [r.username for r in rows] == ["late", "later", "soon"]
    assert [r.overdue_days for r in rows] == [23.0, 2.0, 0.0]
    assert rows[0].reason == (
        "last touch 2 May 2025 (30 days ago); usually every 7 days over 5 touches; "
        "going cold: silent for more than 14 days; overdue by 23 days"
    )
    assert rows[2].reason.endswith("next touch planned 8 Jun 2025")


def test_weekly_tasks_follow_the_bucket_rule(session: Session) -> None:
    people = {name: contact(session, username=name) for name in ("hi", "mid", "low", "deep", "spam", "waiting")}
    recompute(session, now=NOW)
    scores = {"hi": 70, "mid": 50, "low": 20, "deep": 30, "spam": 90, "waiting": 65}
    for name, c in people.items():
        session.execute(update(Contact).where(Contact.id == c.id).values(
            relationship_score=scores[name], resonance_score=15 if name == "deep" else 2,
            tags=["spam"] if name == "spam" else None, last_meaningful_touch=NOW - timedelta(days=10),
        ))  # fmt: skip
    session.add(
        OutreachItem(contact_id=people["waiting"].id, username="waiting", message_text="hi", status="scheduled")
    )
    touched = contact(session, username="touched", relationship_score=80, last_meaningful_touch=NOW - timedelta(days=1))
    assert touched.relationship_score == 80
    session.flush()
    tasks = queries.weekly_tasks(session, now=NOW)
    assert (tasks.micro_wins, tasks.curiosity, tasks.rewarm, tasks.offers) == (["hi"], ["mid"], ["deep", "low"], [])
