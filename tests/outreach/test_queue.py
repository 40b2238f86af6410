"""The queue service and `everreach queue ...`: refusals, scheduling, listing, cancel and retry."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session
from typer.testing import Result

from everreach import config
from everreach.db.models import OutreachItem
from everreach.errors import NotFoundError, ValidationError
from everreach.outreach import queue
from tests.outreach.factories import T0, make_contact


def test_add_normalises_the_username_and_strips_the_text(session: Session) -> None:
    contact = make_contact(session, username="ann")
    item = queue.add_to_queue(session, username="  @ANN ", text="  hey ann  ", now=T0)
    assert (item.username, item.contact_id, item.message_text) == ("ann", contact.id, "hey ann")
    assert (item.status, item.priority, item.scheduled_at) == ("pending", 5, None)


@pytest.mark.parametrize(
    ("kwargs", "error", "needle"),
    [
        ({"username": "nobody", "text": "hi"}, NotFoundError, "unknown contact @nobody"),
        ({"username": "ann", "text": "   "}, ValidationError, "empty"),
        ({"username": "ann", "text": "x" * 1001}, ValidationError, "1001 characters; the limit is 1000"),
        ({"username": "spammy", "text": "hi"}, ValidationError, "flagged as spam"),
        ({"username": "ann", "text": "hi", "priority": 11}, ValidationError, "between 1 and 10"),
    ],
)
def test_add_refusals(session: Session, kwargs: dict[str, object], error: type[Exception], needle: str) -> None:
    make_contact(session, username="ann")
    make_contact(session, username="spammy", tags=["lead", "spam"])
    with pytest.raises(error, match=needle):
        queue.add_to_queue(session, now=T0, **kwargs)  # type: ignore[arg-type]


def test_text_limit_follows_the_configured_sender(session: Session) -> None:
    make_contact(session, username="ann")
    accents = "é" * 600  # 600 characters, 1200 bytes of UTF-8
    assert queue.add_to_queue(session, username="ann", text=accents, now=T0).status == "pending"
    config.configure(sender="graph")
    with pytest.raises(ValidationError, match="graph sender: text is 1200 bytes"):
        queue.add_to_queue(session, username="ann", text=accents, now=T0, force=True)


def test_future_time_schedules_and_naive_times_are_local(session: Session) -> None:
    config.configure(timezone="Europe/Paris")
    make_contact(session, username="ann")
    later = queue.add_to_queue(session, username="ann", text="later", at=datetime(2025, 3, 3, 18, 0), now=T0)
    assert later.status == "scheduled"
    assert later.scheduled_at == datetime(2025, 3, 3, 17, 0, tzinfo=UTC)
    past = queue.add_to_queue(session, username="ann", text="now", at=T0 - timedelta(hours=1), now=T0, force=True)
    assert (past.status, past.scheduled_at) == ("pending", None)


def test_list_orders_waiting_rows_by_priority_and_shows_next_attempt(session: Session) -> None:
    config.configure(active_hours_start="00:00", active_hours_end="00:00")
    make_contact(session, username="ann")
    make_contact(session, username="bob")
    low = queue.add_to_queue(session, username="ann", text="low", priority=2, now=T0)
    high = queue.add_to_queue(session, username="bob", text="high", priority=9, now=T0 + timedelta(seconds=1))
    later = queue.add_to_queue(
        session, username="bob", text="later", at=T0 + timedelta(hours=3), now=T0 + timedelta(seconds=2), force=True
    )
    done = queue.add_to_queue(session, username="ann", text="done", now=T0 + timedelta(seconds=3), force=True)
    session.execute(update(OutreachItem).where(OutreachItem.id == done.id).values(status="sent", sent_at=T0))
    listing = queue.list_queue(session, now=T0)
    assert [i.id for i in listing.items] == [high.id, low.id, later.id, done.id]
    by_id = {i.id: i for i in listing.items}
    assert by_id[high.id].next_attempt_at == T0
    assert by_id[later.id].next_attempt_at == T0 + timedelta(hours=3)
    assert by_id[done.id].next_attempt_at is None
    assert listing.counts["pending"] == 2
    assert listing.counts["scheduled"] == 1
    assert listing.counts["sent"] == 1
    assert listing.next_allowed_send == T0
    only_sent = queue.list_queue(session, status="sent", now=T0)
    assert [i.id for i in only_sent.items] == [done.id]
    with pytest.raises(ValidationError, match="unknown status"):
        queue.list_queue(session, status="lost", now=T0)


def test_cancel_and_retry_follow_the_state_rules(session: Session) -> None:
    make_contact(session, username="ann")
    item = queue.add_to_queue(session, username="ann", text="hello", now=T0)
    assert queue.cancel(session, item_id=item.id).status == "cancelled"
    with pytest.raises(ValidationError, match="is cancelled"):
        queue.retry(session, item_id=item.id)
    failed = queue.add_to_queue(session, username="ann", text="again", now=T0)
    session.execute(
        update(OutreachItem).where(OutreachItem.id == failed.id).values(status="failed", error="Graph error 551")
    )
    retried = queue.retry(session, item_id=failed.id.hex[:8])
    assert (retried.status, retried.error) == ("pending", None)
    sending = queue.add_to_queue(session, username="ann", text="in flight", now=T0, force=True)
    session.execute(update(OutreachItem).where(OutreachItem.id == sending.id).values(status="sending"))
    with pytest.raises(ValidationError, match="is sending"):
        queue.cancel(session, item_id=str(sending.id))


def test_item_ids_resolve_by_prefix(session: Session) -> None:
    make_contact(session, username="ann")
    item = queue.add_to_queue(session, username="ann", text="hello", now=T0)
    assert queue.resolve_item(session, item.id.hex[:6]).id == item.id
    assert queue.resolve_item(session, str(item.id)).id == item.id
    with pytest.raises(ValidationError, match="at least its first 4"):
        queue.resolve_item(session, "ab")
    with pytest.raises(NotFoundError):
        queue.resolve_item(session, "0000000000000000000000000000000f")


# -- CLI ---------------------------------------------------------------------------------------------------------


def _add_contacts(cli: Callable[..., Result], session: Session) -> None:
    make_contact(session, username="ann")
    make_contact(session, username="spammy", tags=["spam"])
    session.commit()


def test_cli_queue_add_list_cancel_retry(cli: Callable[..., Result], session: Session) -> None:
    _add_contacts(cli, session)
    added = cli("queue", "add", "@ann", "hey ann, how is the launch?", "--priority", "7", "--json")
    assert added.exit_code == 0, added.output
    item = json.loads(added.stdout)
    assert (item["username"], item["priority"], item["status"]) == ("ann", 7, "pending")
    scheduled = cli("queue", "add", "ann", "later", "--at", "+2h", "--force")
    assert scheduled.exit_code == 0
    assert "scheduled" in scheduled.stdout
    listing = json.loads(cli("queue", "list", "--json").stdout)
    assert [i["message_text"] for i in listing["items"]] == ["hey ann, how is the launch?", "later"]
    assert "next_allowed_send" in listing
    assert listing["pacing"]["hourly_cap"] == 10
    table = cli("queue", "list")
    assert "@ann" in table.stdout
    assert "next allowed send" in table.stdout
    cancelled = cli("queue", "cancel", item["id"][:8])
    assert cancelled.exit_code == 0
    assert "cancelled" in cancelled.stdout
    again = cli("queue", "retry", item["id"][:8])
    assert again.exit_code == 1
    assert "only failed rows" in again.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("queue", "add", "ghost", "hi"), "unknown contact @ghost"),
        (("queue", "add", "spammy", "hi"), "flagged as spam"),
        (("queue", "add", "ann", " "), "message text is empty"),
        (("queue", "add", "ann", "x" * 1001), "the limit is 1000"),
        (("queue", "add", "ann"), "give either TEXT or --from-next"),
        (("queue", "add", "ann", "hi", "--at", "tomorrowish"), "--at 'tomorrowish'"),
        (("queue", "list", "--status", "lost"), "unknown status 'lost'"),
        (("queue", "cancel", "ffff"), "no queue item ffff"),
    ],
)
def test_cli_refusals_are_one_line(
    cli: Callable[..., Result], session: Session, args: tuple[str, ...], needle: str
) -> None:
    _add_contacts(cli, session)
    result = cli(*args)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ")
    assert needle in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# -- next best action ----------------------------------------------------------------------------------------------


def test_from_next_queues_the_top_suggestion_and_marks_the_template_used(session: Session) -> None:
    from everreach.relationship.queries import next_best_actions
    from everreach.seed.defaults import seed_defaults

    seed_defaults(session)
    contact = make_contact(session, username="ann", inbound_at=T0 - timedelta(days=2))
    contact.what_theyre_building = "a newsletter about climbing"
    contact.current_friction = "growing past 500 readers"
    session.flush()
    expected = next_best_actions(session, username="ann", now=T0).actions[0]
    queued = queue.add_next_best_action(session, username="@ann", now=T0)
    assert queued.item.message_text == expected.text
    assert (queued.lane, queued.action_key) == (expected.lane, expected.action_key)
    assert "___" not in queued.item.message_text
    # The template is now used: the next suggestion is a different one.
    again = queue.add_next_best_action(session, username="ann", now=T0, force=True)
    assert again.action_key != queued.action_key


def test_from_next_refuses_spam_and_unknown(session: Session) -> None:
    make_contact(session, username="spammy", tags=["spam"])
    with pytest.raises(ValidationError, match="spam"):
        queue.add_next_best_action(session, username="spammy", now=T0)
    with pytest.raises(NotFoundError, match="unknown contact"):
        queue.add_next_best_action(session, username="ghost", now=T0)


def test_cli_from_next(cli: Callable[..., Result], session: Session) -> None:
    from everreach.seed.defaults import seed_defaults

    seed_defaults(session)
    make_contact(session, username="ann", inbound_at=T0)
    session.commit()
    result = cli("queue", "add", "ann", "--from-next")
    assert result.exit_code == 0, result.output
    assert "template" in result.stdout
    both = cli("queue", "add", "ann", "hello", "--from-next")
    assert both.exit_code == 1
