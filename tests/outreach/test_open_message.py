"""One open message per contact: a second is refused (service, CLI, API) unless forced."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session
from typer.testing import Result

from everreach.db.models import OutreachItem
from everreach.outreach import queue
from tests.outreach.factories import T0, make_contact


@pytest.mark.parametrize("state", ["pending", "scheduled", "sending"])
def test_an_open_row_blocks_a_second_unless_forced(session: Session, state: str) -> None:
    make_contact(session, username="ann")
    first = queue.add_to_queue(session, username="ann", text="hello", now=T0)
    session.execute(update(OutreachItem).where(OutreachItem.id == first.id).values(status=state))
    with pytest.raises(queue.OpenMessageExists, match=f"@ann already has a message .*{first.id.hex[:8]}") as err:
        queue.add_to_queue(session, username="ann", text="hello again", now=T0)
    assert err.value.item_id == first.id
    with pytest.raises(queue.OpenMessageExists):
        queue.add_next_best_action(session, username="ann", now=T0)
    forced = queue.add_to_queue(session, username="ann", text="hello again", now=T0, force=True)
    assert forced.status == "pending"


@pytest.mark.parametrize("state", ["sent", "failed", "cancelled"])
def test_a_closed_row_does_not_block(session: Session, state: str) -> None:
    make_contact(session, username="ann")
    make_contact(session, username="bob")
    first = queue.add_to_queue(session, username="ann", text="hello", now=T0)
    session.execute(update(OutreachItem).where(OutreachItem.id == first.id).values(status=state))
    assert queue.add_to_queue(session, username="ann", text="next", now=T0 + timedelta(days=2)).status == "pending"
    # Another contact's open row never blocks this one.
    assert queue.add_to_queue(session, username="bob", text="hi bob", now=T0).status == "pending"


def test_cli_refuses_a_second_and_force_queues_it(cli: Callable[..., Result], session: Session) -> None:
    make_contact(session, username="ann")
    session.commit()
    assert cli("queue", "add", "ann", "first").exit_code == 0
    second = cli("queue", "add", "ann", "second")
    assert second.exit_code != 0
    assert "already has a message waiting" in second.output
    assert cli("queue", "add", "ann", "second", "--force").exit_code == 0
