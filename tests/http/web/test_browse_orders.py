"""The contact list's fast reads give exactly the order and total a plain sort gives, page by page."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from everreach.db.models import Contact
from everreach.relationship.directory import browse_contacts
from everreach.relationship.rules.stages import STAGES

NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
PAGE = 7


def _people(session: Session) -> list[dict[str, Any]]:
    rng = random.Random(5)
    people = []
    for i in range(33):
        person = {
            "username": f"u{i:02d}",
            "display_name": f"Person {i % 11:02d}",
            "relationship_score": None if i % 6 == 0 else rng.choice((10, 40, 40, 75, 90)),
            "relationship_stage": None if i % 9 == 4 else rng.choice(STAGES[:4]),
            "last_meaningful_touch": None if i % 5 == 0 else NOW - timedelta(days=rng.choice((1, 3, 3, 40))),
        }
        people.append(person)
        username = person["username"]
        session.execute(insert(Contact).values(id=uuid.uuid4(), instagram_username=username, tags=[]))
        # set after the insert: an insert would take the column defaults for NULLs
        values = {k: v for k, v in person.items() if k != "username"}
        session.execute(update(Contact).where(Contact.instagram_username == username).values(**values))
    return people


def _expected(people: list[dict[str, Any]], sort: str, descending: bool) -> list[str]:
    """The order the list promises: by the column either way, ties by handle, contacts without a value last."""
    field = {"score": "relationship_score", "touch": "last_meaningful_touch", "stage": "relationship_stage"}
    if sort == "name":
        return sorted((p["username"] for p in people), reverse=descending)
    if sort == "stage":

        def rank(p: dict[str, Any]) -> int:
            return STAGES.index(p["relationship_stage"]) if p["relationship_stage"] in STAGES else 0

        return [
            p["username"] for p in sorted(people, key=lambda p: (-rank(p) if descending else rank(p), p["username"]))
        ]
    valued = [p for p in people if p[field[sort]] is not None]
    valued.sort(key=lambda p: p["username"])
    valued.sort(key=lambda p: p[field[sort]], reverse=descending)
    return [p["username"] for p in valued] + sorted(p["username"] for p in people if p[field[sort]] is None)


def _all_pages(session: Session, **filters: Any) -> tuple[list[str], set[int]]:
    names: list[str] = []
    totals = set()
    for page in range(8):
        found = browse_contacts(session, limit=PAGE, offset=page * PAGE, **filters)
        names += [r.username for r in found.rows]
        totals.add(found.total)
    return names, totals


@pytest.mark.parametrize("sort", ["name", "score", "touch", "stage"])
@pytest.mark.parametrize("descending", [False, True])
def test_every_order_pages_like_a_plain_sort(session: Session, sort: str, descending: bool) -> None:
    people = _people(session)
    names, totals = _all_pages(session, sort=sort, descending=descending)
    assert names == _expected(people, sort, descending)
    assert totals == {len(people)}


@pytest.mark.parametrize(
    ("query", "stage"), [("son 0", None), ("u1", None), (None, "first_touch"), ("person", "context_captured")]
)
def test_filtered_orders_and_totals(session: Session, query: str | None, stage: str | None) -> None:
    people = _people(session)
    wanted = [
        p for p in people
        if (query is None or query.lower() in p["username"] or query.lower() in p["display_name"].lower())
        and (stage is None or p["relationship_stage"] == stage)
    ]  # fmt: skip
    assert wanted
    for sort in ("score", "stage"):
        names, totals = _all_pages(session, query=query, stage=stage, sort=sort)
        assert names == _expected(wanted, sort, True), sort
        assert totals == {len(wanted)}
