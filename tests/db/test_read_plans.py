"""SQLite walks the indexes made for the hot reads (migrations 0011, 0012): the statements the code runs, planned.

Each test runs the read, captures the statement it sent, and asks SQLite's planner how it would run it: a
dropped index or a query that no longer matches its order fails here rather than only in bench/api_load.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from everreach.messages import search
from everreach.relationship.directory import list_contacts
from tests.http.conftest import add_contact, add_messages


@contextmanager
def _captured(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    sent: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", keep)


def _plan_of(session: Session, engine: Engine, read: Callable[[], object], marker: str) -> str:
    with _captured(engine) as sent:
        read()
    statement, parameters = next((s, p) for s, p in sent if marker in s)
    rows = session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    return " | ".join(str(row[-1]) for row in rows)


@pytest.fixture
def sqlite_only(engine_name: str) -> None:
    if engine_name != "sqlite":
        pytest.skip("PostgreSQL plans these reads with its own indexes (trigram, score)")


@pytest.mark.usefixtures("sqlite_only")
def test_contact_list_by_score_walks_the_score_and_handle_index(session: Session, engine: Engine) -> None:
    for i in range(30):
        add_contact(session, f"p{i:02d}", relationship_score=i % 3)
    session.flush()
    plan = _plan_of(session, engine, lambda: list_contacts(session, sort="score", limit=10), "relationship_score DESC")
    assert "idx_contacts_score_username" in plan
    assert "TEMP B-TREE" not in plan  # no sort of the ties by handle


@pytest.mark.usefixtures("sqlite_only")
def test_common_term_search_scans_the_covering_index(
    session: Session, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    contact = add_contact(session, "ann")
    add_messages(session, contact, [("the launch went well", False), ("launch day!", True), ("nothing here", False)])
    session.flush()
    monkeypatch.setattr(search, "CANDIDATE_CAP", 1)  # two matches: a common term, read by the scan
    plan = _plan_of(session, engine, lambda: search.search_messages(session, query="launch"), "LIKE")
    assert "COVERING INDEX idx_messages_search_scan" in plan
    assert [h.text for h in search.search_messages(session, query="launch")] == ["launch day!", "the launch went well"]
