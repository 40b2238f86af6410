"""The one contact lookup, the one spam rule (Python and SQL agree), and the counters against the engine's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from everreach.contacts.counters import count_messages, recount
from everreach.contacts.lookup import get_contact
from everreach.contacts.spam import SPAM_TAG, is_spam, spam_sql, with_spam_tag
from everreach.db.models import Contact
from everreach.errors import NotFoundError, ValidationError
from tests.relationship.factories import NOW, contact, message


def test_lookup_by_any_spelling_or_id(session: Session) -> None:
    maya = contact(session, username="maya.codes")
    assert get_contact(session, username=" @Maya.Codes ") is maya
    assert get_contact(session, contact_id=maya.id) is maya


def test_lookup_names_the_handle_it_did_not_find(session: Session) -> None:
    with pytest.raises(NotFoundError, match="unknown contact @ghost: import their messages first"):
        get_contact(session, username="@Ghost")
    with pytest.raises(ValidationError, match="username is empty"):
        get_contact(session, username=" @ ")


@pytest.mark.parametrize("tags", [None, [], ["group"], ["spam"], ["group", "spam"], ["spammy"], ["not spam"]])
def test_spam_sql_agrees_with_python(session: Session, tags: list[str] | None) -> None:
    c = contact(session, username="someone", tags=tags)
    in_sql = session.scalar(select(spam_sql(session.get_bind().dialect.name)).where(Contact.id == c.id))
    assert bool(in_sql) is is_spam(c) is (tags is not None and SPAM_TAG in tags)


def test_with_spam_tag_keeps_the_others() -> None:
    assert with_spam_tag(["group"]) == ["group", "spam"]
    assert with_spam_tag(None) == ["spam"]


def test_recount_matches_the_engine_totals(session: Session) -> None:
    c = contact(session, username="kai")
    for i, (text, out) in enumerate([("hey!", False), ("ok", True), ("how did the launch go?", True), ("lol", False)]):
        message(session, contact=c, text=text, days_ago=10 - i, out=out)
    session.flush()
    recount(session, contact_ids=[c.id])
    session.expire(c)
    sent, received, last = count_messages(session.connection(), contact_ids=[c.id])[c.id]
    assert (c.total_messages_sent, c.total_messages_received) == (sent, received) == (2, 2)
    assert c.last_meaningful_touch == last == NOW - timedelta(days=7)
