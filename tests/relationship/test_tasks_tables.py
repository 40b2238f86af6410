"""relationship/tasks.py: its Core tables name each column as the models do, and its weekly tasks read through a
plain Connection (what `everreach tasks --json` uses) are the API's, paging, offers and exclusions included."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import TableClause, insert
from sqlalchemy.orm import Session

from everreach.db.models import Base, OutreachItem
from everreach.db.models_derived import OfferReadyContact
from everreach.relationship import offer_ready, queries, tasks
from everreach.relationship.schemas import WeeklyTasks
from everreach.relationship.tasks import CONTACTS, OFFER_READY, QUEUE, RANKS
from tests.relationship.factories import NOW, contact


@pytest.mark.parametrize("light", [CONTACTS, OFFER_READY, QUEUE, RANKS], ids=lambda t: t.name)
def test_each_column_has_the_models_name_and_type(light: TableClause) -> None:
    model = Base.metadata.tables[light.name]
    for col in light.columns:
        assert col.name in model.columns, f"{light.name}.{col.name} is not in the models"
        assert type(col.type) is type(model.columns[col.name].type), f"{light.name}.{col.name}"


def test_bucket_order_is_the_schemas_field_order() -> None:
    assert tuple(WeeklyTasks.model_fields) == tasks.BUCKET_ORDER


def test_tasks_through_a_connection_are_the_apis_weekly_tasks(session: Session) -> None:
    old = NOW - timedelta(days=10)
    made = {}

    def person(username: str, score: int, **fields: object) -> None:
        values = {"last_meaningful_touch": old, **fields}
        made[username] = contact(session, username=username, relationship_score=score, **values)

    person("offa", 70, relationship_stage="fit_repeats", consent_level=1)
    person("offb", 65, relationship_stage="fit_repeats", consent_level=0)  # marked, but no consent: micro-win
    person("offc", 75, relationship_stage="fit_repeats", consent_level=1, tags=["spam"])  # marked, spam: nowhere
    for i in range(55):  # more than a page of curiosity candidates, each with a message waiting
        person(f"wait{i:02}", 59)
        session.add(OutreachItem(contact_id=made[f"wait{i:02}"].id, username=f"wait{i:02}", message_text="hi",
                                 status="pending" if i % 2 else "scheduled"))  # fmt: skip
    for i in range(3):
        person(f"cur{i}", 41)
    person("sent", 45)
    session.add(OutreachItem(contact_id=made["sent"].id, username="sent", message_text="hi", status="sent"))
    person("fresh", 80, last_meaningful_touch=NOW - timedelta(days=1))
    for i in range(7):
        person(f"low{i}", 10 + i, resonance_score=i * 3)
    session.flush()
    rows = [{"contact_id": made[u].id, "marked_at": NOW} for u in ("offa", "offb", "offc")]
    session.execute(insert(OfferReadyContact), rows)
    session.commit()

    expected = {
        "micro_wins": ["offb"],
        "curiosity": ["sent", *sorted(["cur0", "cur1", "cur2"], key=lambda u: made[u].id.hex)],
        "rewarm": ["low6", "low5", "low4", "low3", "low2"],
        "offers": ["offa"],
    }
    assert queries.weekly_tasks(session, now=NOW).model_dump() == expected
    with session.get_bind().connect() as conn:
        assert tasks.weekly_tasks(conn, now=NOW) == expected
        assert tasks.offer_ready_ids(conn) == offer_ready.marked(session) == sorted(r["contact_id"] for r in rows)


def test_more_offer_ready_than_fit_keeps_the_highest_scores(session: Session) -> None:
    people = [
        contact(session, username=f"o{i}", relationship_score=90 - 7 * ((i * 3) % 7), relationship_stage="fit_repeats",
                consent_level=1, last_meaningful_touch=NOW - timedelta(days=10))
        for i in range(7)
    ]  # fmt: skip
    session.execute(insert(OfferReadyContact), [{"contact_id": p.id, "marked_at": NOW} for p in people])
    session.commit()
    best = [p.instagram_username for p in sorted(people, key=lambda p: -(p.relationship_score or 0))][:5]
    with session.get_bind().connect() as conn:
        assert tasks.weekly_tasks(conn, now=NOW)["offers"] == best
    assert queries.weekly_tasks(session, now=NOW).offers == best


def test_a_walk_reads_twice_its_bucket_first_then_doubling_pages() -> None:
    pages = tasks._pages(10)
    assert [next(pages) for _ in range(6)] == [(20, 0), (40, 20), (80, 60), (160, 140), (200, 300), (200, 500)]
