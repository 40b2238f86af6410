"""The same data gives the same results on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from everreach.db.engine import make_engine
from everreach.db.migrate import upgrade
from everreach.messages.search import search_messages
from everreach.relationship import directory, queries, service
from everreach.seed.defaults import seed_defaults
from tests.conftest import ENGINES, pg_scratch_database
from tests.relationship.factories import NOW, contact, random_history

pytestmark = pytest.mark.skipif(not {"sqlite", "postgresql"} <= set(ENGINES), reason="needs both engines")


def _run(url: str) -> dict[str, Any]:
    eng = make_engine(url)
    upgrade(eng)
    try:
        with Session(eng) as session:
            seed_defaults(session)
            for i in range(8):
                # The same ids on both engines: ties (equal resonance in rewarm, say) are broken by contact id.
                cid = uuid.uuid5(uuid.NAMESPACE_URL, f"person{i}")
                c = contact(session, username=f"person{i}", tags=["spam"] if i == 7 else None, id=cid)
                random_history(session, contact=c, seed=100 + i, count=25)
            service.update_context_card(session, username="person1", now=NOW, what_theyre_building="a shop",
                                        current_friction="ads")  # fmt: skip
            service.record_value(session, username="person1", kind="intro", note="to a designer", now=NOW)
            service.record_trust_signal(session, username="person2", kind="shares_updates", note="x", now=NOW)
            report = service.recompute_all(session, now=NOW)
            names = [f"person{i}" for i in range(8)]
            out = {
                "report": report.model_dump(),
                "health": [queries.health(session, username=n, now=NOW).model_dump(mode="json") for n in names],
                "next": [queries.next_best_actions(session, username=n, now=NOW).model_dump() for n in names],
                "history": [
                    [r.model_dump(mode="json") for r in queries.stage_history(session, username=n)] for n in names
                ],
                "fit": [[r.model_dump(mode="json") for r in queries.fit_matches(session, username=n)] for n in names],
                "signals": [r.model_dump() for r in queries.fit_signal_summary(session)],
                "attention": [r.model_dump(mode="json") for r in queries.attention(session, now=NOW)],
                "tasks": queries.weekly_tasks(session, now=NOW).model_dump(),
                "contacts": [r.model_dump(mode="json") for r in directory.list_contacts(session)],
                "search": {
                    q: [r.model_dump(mode="json") for r in search_messages(session, query=q)]
                    for q in ("follow", "OK", "?", "lol", "we're")
                },
            }
            session.commit()
            return out
    finally:
        eng.dispose()


def test_sqlite_and_postgresql_agree(tmp_path: Path) -> None:
    on_sqlite = _run(f"sqlite:///{tmp_path / 'same.db'}")
    with pg_scratch_database("everreach_same") as url:
        on_pg = _run(url)
    assert on_sqlite["report"]["contacts"] == 8
    assert any(h["score"] for h in on_sqlite["health"])
    for key in on_sqlite:
        assert on_sqlite[key] == on_pg[key], key
