"""The one records loader: what the user recorded about each contact, as the v2 rules read it (`UserRecords`).

Built in bulk, a fixed handful of set-based queries for any number of contacts, never one query per contact:
1. the contacts: stage, context card, value log and trust signals (JSON lists);
2. relationship events: consent, purchases, templates used and the keep-in-touch interval (newest wins);
3. evidence_reviews: the items the user dismissed or confirmed;
4. the outreach queue: whether a message to them is pending, scheduled or being sent;
5. stage_history: whether the user's last change moved them back by hand (automatic advance is then off).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Text, and_, bindparam, case, cast, func, null, or_, select, type_coerce
from sqlalchemy.orm import Session

from everreach.db.models import Contact, OutreachItem, RelationshipEvent, StageChange
from everreach.db.models_v2 import EvidenceReview
from everreach.relationship.rules.components import CONSENT_POINTS
from everreach.relationship.rules.inputs import CONTEXT_FIELDS, LoggedEntry, LoggedEvent, UserRecords
from everreach.relationship.rules.lanes import TEMPLATE_USED
from everreach.relationship.rules.stages import STAGES
from everreach.relationship.tasks import OPEN_QUEUE_STATES

PURCHASE = "purchase"
KEEP_IN_TOUCH = "keep_in_touch"
EVENT_KINDS = (*CONSENT_POINTS, PURCHASE, TEMPLATE_USED)
CHUNK = 2000


def parse_at(raw: object) -> datetime | None:
    """The `at` of a JSON log entry as an aware UTC datetime (None when missing or unreadable)."""
    if isinstance(raw, datetime):
        at = raw
    elif isinstance(raw, str):
        try:
            at = datetime.fromisoformat(raw)
        except ValueError:
            return None
    else:
        return None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def logged_entries(log: Iterable[Any] | None) -> tuple[LoggedEntry, ...]:
    """A JSON log column (value_delivered_log, trust_signals) as logged entries; malformed items are skipped."""
    out = []
    for item in log or ():
        if isinstance(item, Mapping) and isinstance(item.get("kind"), str):
            out.append(LoggedEntry(str(item["kind"]), parse_at(item.get("at")), str(item.get("note") or "")))
    return tuple(out)


def unless_empty(column: Any) -> Any:
    """A JSON list column, NULL when it is the empty list: most contacts have empty logs, and the database
    answers that test far faster than the JSON decoder would on every row."""
    return type_coerce(case((cast(column, Text) == "[]", null()), else_=column), column.type)


def _chunks(ids: Sequence[uuid.UUID] | None) -> Iterator[list[uuid.UUID] | None]:
    if ids is None:
        yield None
        return
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def _only(column: Any, some: bool) -> list[Any]:
    """No filter for every contact; else the contacts in the expanding parameter `ids`."""
    return [column.in_(bindparam("ids", expanding=True))] if some else []


# Each statement is built once per shape (every contact, or some by id) and run on the connection: a read of
# one contact's records (health, the contact page) pays for a handful of small queries, nothing more.
@lru_cache
def _events_stmt(some: bool) -> Any:
    e = RelationshipEvent
    return (
        select(e.contact_id, e.kind, e.detail, e.occurred_at, e.metadata_)
        .where(e.kind.in_((*EVENT_KINDS, KEEP_IN_TOUCH)), *_only(e.contact_id, some))
        .order_by(e.contact_id, e.occurred_at, e.created_at)
    )


@lru_cache
def _reviews_stmt(some: bool) -> Any:
    r = EvidenceReview
    return select(r.contact_id, r.evidence_id, r.verdict).where(*_only(r.contact_id, some))


@lru_cache
def _open_stmt(some: bool) -> Any:
    q = OutreachItem
    state = or_(q.status.in_(OPEN_QUEUE_STATES), q.status.is_(None))
    return select(q.contact_id).where(state, q.contact_id.is_not(None), *_only(q.contact_id, some)).distinct()


@lru_cache
def _pins_stmt(some: bool) -> Any:
    s = StageChange
    latest = (
        select(s.contact_id, func.max(s.changed_at).label("at"))
        .where(*_only(s.contact_id, some))
        .group_by(s.contact_id)
        .subquery()
    )
    return select(s.contact_id, s.source, s.from_stage, s.to_stage, s.changed_at).join(
        latest, and_(latest.c.contact_id == s.contact_id, latest.c.at == s.changed_at)
    )


@lru_cache
def _contacts_stmt(some: bool) -> Any:
    c = Contact
    return select(
        c.id, c.relationship_stage, *(getattr(c, f) for f in CONTEXT_FIELDS),
        unless_empty(c.value_delivered_log), unless_empty(c.trust_signals),
    ).where(*_only(c.id, some))  # fmt: skip


_RANK = {stage: i for i, stage in enumerate(STAGES)}


def _pins(rows: Iterable[Any]) -> dict[uuid.UUID, datetime]:
    """contact id -> when the user moved them back, for contacts whose latest stage change is such a move."""
    pinned: dict[uuid.UUID, datetime] = {}
    for cid, source, old, new, at in rows:
        # Several rows at one instant: the engine never advances after a user's move back in the same instant.
        if source == "user" and _RANK.get(new, 0) < _RANK.get(old or "first_touch", 0):
            pinned[cid] = at
    return pinned


def keep_in_touch_of(rows: Iterable[tuple[Any, ...]]) -> float | None:
    """The interval of the newest keep_in_touch event (rows oldest first), None when cleared or never set."""
    days: float | None = None
    for kind, _detail, _at, meta in rows:
        if kind == KEEP_IN_TOUCH:
            value = (meta or {}).get("days")
            days = (
                float(value) if isinstance(value, int | float) and not isinstance(value, bool) and value > 0 else None
            )
    return days


def _records(row: Any, events: list[tuple[Any, ...]], reviews: dict[str, set[str]], *, open_message: bool,
             pinned_at: datetime | None) -> UserRecords:  # fmt: skip
    return UserRecords(
        context={name: row[2 + i] for i, name in enumerate(CONTEXT_FIELDS) if row[2 + i]},
        value_log=logged_entries(row[7]),
        trust_log=logged_entries(row[8]),
        events=tuple(LoggedEvent(kind, at, detail or "") for kind, detail, at, _ in events if kind in EVENT_KINDS),
        dismissed=frozenset(reviews.get("dismissed", ())),
        confirmed=frozenset(reviews.get("confirmed", ())),
        keep_in_touch_days=keep_in_touch_of(events),
        open_message=open_message,
        stage=row[1],
        pinned_at=pinned_at,
    )


def load_records(session: Session, ids: Sequence[uuid.UUID] | None = None) -> dict[uuid.UUID, UserRecords]:
    """contact id -> its UserRecords, for the contacts in `ids` (every contact when None)."""
    session.flush()
    conn = session.connection()
    out: dict[uuid.UUID, UserRecords] = {}
    for chunk in _chunks(ids):
        some = chunk is not None
        params = {"ids": chunk} if some else {}
        events: dict[uuid.UUID, list[tuple[Any, ...]]] = {}
        for cid, *rest in conn.execute(_events_stmt(some), params):
            events.setdefault(cid, []).append(tuple(rest))
        reviews: dict[uuid.UUID, dict[str, set[str]]] = {}
        for cid, evidence_id, verdict in conn.execute(_reviews_stmt(some), params):
            reviews.setdefault(cid, {}).setdefault(verdict, set()).add(evidence_id)
        waiting = set(conn.execute(_open_stmt(some), params).scalars())
        pins = _pins(conn.execute(_pins_stmt(some), params))
        for row in conn.execute(_contacts_stmt(some), params):
            cid = row[0]
            out[cid] = _records(
                row, events.get(cid, []), reviews.get(cid, {}), open_message=cid in waiting, pinned_at=pins.get(cid)
            )
    return out
