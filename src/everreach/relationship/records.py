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
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Text, and_, case, cast, func, null, or_, select, type_coerce
from sqlalchemy.orm import Session

from everreach.db.models import STAGES, Contact, OutreachItem, RelationshipEvent, StageChange
from everreach.db.models_v2 import EvidenceReview
from everreach.relationship.rules.components import CONSENT_POINTS
from everreach.relationship.rules.inputs import CONTEXT_FIELDS, LoggedEntry, LoggedEvent, UserRecords
from everreach.relationship.rules.lanes import TEMPLATE_USED

PURCHASE = "purchase"
KEEP_IN_TOUCH = "keep_in_touch"
EVENT_KINDS = (*CONSENT_POINTS, PURCHASE, TEMPLATE_USED)
#: Queue states in which a message to the contact is still on its way (DESIGN.md §4: one open message).
OPEN_QUEUE_STATES = ("pending", "scheduled", "sending")
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


def _where(column: Any, chunk: list[uuid.UUID] | None) -> list[Any]:
    return [] if chunk is None else [column.in_(chunk)]


def _events(session: Session, chunk: list[uuid.UUID] | None) -> dict[uuid.UUID, list[tuple[Any, ...]]]:
    e = RelationshipEvent
    stmt = (
        select(e.contact_id, e.kind, e.detail, e.occurred_at, e.metadata_)
        .where(e.kind.in_((*EVENT_KINDS, KEEP_IN_TOUCH)), *_where(e.contact_id, chunk))
        .order_by(e.contact_id, e.occurred_at, e.created_at)
    )
    out: dict[uuid.UUID, list[tuple[Any, ...]]] = {}
    for cid, *rest in session.execute(stmt):
        out.setdefault(cid, []).append(tuple(rest))
    return out


def _reviews(session: Session, chunk: list[uuid.UUID] | None) -> dict[uuid.UUID, dict[str, set[str]]]:
    r = EvidenceReview
    out: dict[uuid.UUID, dict[str, set[str]]] = {}
    for cid, evidence_id, verdict in session.execute(
        select(r.contact_id, r.evidence_id, r.verdict).where(*_where(r.contact_id, chunk))
    ):
        out.setdefault(cid, {}).setdefault(verdict, set()).add(evidence_id)
    return out


def _open_messages(session: Session, chunk: list[uuid.UUID] | None) -> set[uuid.UUID]:
    q = OutreachItem
    state = or_(q.status.in_(OPEN_QUEUE_STATES), q.status.is_(None))
    stmt = select(q.contact_id).where(state, q.contact_id.is_not(None), *_where(q.contact_id, chunk)).distinct()
    return set(session.scalars(stmt))


def _pins(session: Session, chunk: list[uuid.UUID] | None) -> dict[uuid.UUID, datetime]:
    """contact id -> when the user moved them back, for contacts whose latest stage change is such a move."""
    s = StageChange
    latest = (
        select(s.contact_id, func.max(s.changed_at).label("at"))
        .where(*_where(s.contact_id, chunk))
        .group_by(s.contact_id)
        .subquery()
    )
    stmt = select(s.contact_id, s.source, s.from_stage, s.to_stage, s.changed_at).join(
        latest, and_(latest.c.contact_id == s.contact_id, latest.c.at == s.changed_at)
    )
    rank = {stage: i for i, stage in enumerate(STAGES)}
    pinned: dict[uuid.UUID, datetime] = {}
    for cid, source, old, new, at in session.execute(stmt):
        # Several rows at one instant: the engine never advances after a user's move back in the same instant.
        if source == "user" and rank.get(new, 0) < rank.get(old or "first_touch", 0):
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
    c = Contact
    out: dict[uuid.UUID, UserRecords] = {}
    for chunk in _chunks(ids):
        events = _events(session, chunk)
        reviews = _reviews(session, chunk)
        waiting = _open_messages(session, chunk)
        pins = _pins(session, chunk)
        stmt = select(
            c.id, c.relationship_stage, *(getattr(c, f) for f in CONTEXT_FIELDS),
            unless_empty(c.value_delivered_log), unless_empty(c.trust_signals),
        ).where(*_where(c.id, chunk))  # fmt: skip
        for row in session.execute(stmt):
            cid = row[0]
            out[cid] = _records(
                row, events.get(cid, []), reviews.get(cid, {}), open_message=cid in waiting, pinned_at=pins.get(cid)
            )
    return out


def with_stage(records: UserRecords, stage: str) -> UserRecords:
    """The same records with another stored stage (after recompute moved the contact)."""
    return replace(records, stage=stage)
