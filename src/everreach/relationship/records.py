"""The one records loader: what the user recorded about each contact, as the v2 rules read it (`UserRecords`).

What is read, per contact:
1. the contact row: stage, context card, value log and trust signals (JSON lists);
2. relationship events: consent, purchases, templates used and the keep-in-touch interval (newest wins);
3. evidence_reviews: the items the user dismissed or confirmed;
4. the outreach queue: whether a message to them is pending, scheduled or being sent;
5. stage_history: whether the user's last change moved them back by hand (automatic advance is then off).

Never one query per contact. Every contact (a full recompute): one set-based query per part. Some contacts by
id (a contact page, a change's recompute): one statement, the contact rows with parts 2-5 beside each as JSON
(a request used to pay for five round trips). Both shapes give the same rows to the same reading code.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Text, and_, bindparam, case, cast, exists, func, null, or_, select, type_coerce
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.functions import GenericFunction

from everreach.db.models import Contact, OutreachItem, RelationshipEvent, StageChange
from everreach.db.models_v2 import EvidenceReview
from everreach.db.sqlfunctions import compiled_as
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


@compiled_as(postgresql="json_agg(json_build_array({}))", default="json_group_array(json_array({}))")
class json_rows(GenericFunction[Any]):
    """json_rows(a, b, ...): an aggregate, the rows as one JSON array of arrays (NULL on PostgreSQL, [] on SQLite,
    when there is no row)."""

    inherit_cache = True


def _loaded(value: Any) -> Any:
    """A JSON value as the driver gave it: text on SQLite (also a JSON column nested in a JSON row there),
    already decoded on PostgreSQL."""
    return json.loads(value) if isinstance(value, str) else value


def _decoded(value: Any) -> list[Any]:
    """A JSON array as the driver gave it, as a list (empty for NULL)."""
    found = _loaded(value)
    return found if isinstance(found, list) else []


def _event_order(row: Sequence[Any]) -> tuple[datetime, bool, datetime]:
    """Oldest first by occurred_at, then created_at (a missing created_at first), as the set-based read orders."""
    occurred, created = parse_at(row[2]), parse_at(row[4])
    floor = datetime.min.replace(tzinfo=UTC)
    return occurred or floor, created is not None, created or floor


# The reads of every contact: one set-based statement per part.
_E, _R, _Q, _S, _C = RelationshipEvent, EvidenceReview, OutreachItem, StageChange, Contact
_RULE_EVENT = _E.kind.in_((*EVENT_KINDS, KEEP_IN_TOUCH))
_OPEN = or_(_Q.status.in_(OPEN_QUEUE_STATES), _Q.status.is_(None))
_CONTACT_COLUMNS = (
    _C.id, _C.relationship_stage, *(getattr(_C, f) for f in CONTEXT_FIELDS),
    unless_empty(_C.value_delivered_log), unless_empty(_C.trust_signals),
)  # fmt: skip
_EVENTS = (
    select(_E.contact_id, _E.kind, _E.detail, _E.occurred_at, _E.metadata_)
    .where(_RULE_EVENT)
    .order_by(_E.contact_id, _E.occurred_at, _E.created_at.asc().nulls_first())
)
_REVIEWS = select(_R.contact_id, _R.evidence_id, _R.verdict)
_WAITING = select(_Q.contact_id).where(_OPEN, _Q.contact_id.is_not(None)).distinct()
_LATEST = select(_S.contact_id, func.max(_S.changed_at).label("at")).group_by(_S.contact_id).subquery()
_PINS = select(_S.contact_id, _S.source, _S.from_stage, _S.to_stage, _S.changed_at).join(
    _LATEST, and_(_LATEST.c.contact_id == _S.contact_id, _LATEST.c.at == _S.changed_at)
)
_CONTACTS = select(*_CONTACT_COLUMNS)


def _of_contact(column: Any) -> Any:
    return column == _C.id


# The read of some contacts (the expanding parameter `ids`): one statement, parts 2-5 as JSON beside each row.
_EARLIER = aliased(StageChange)
_LAST_CHANGE = select(func.max(_EARLIER.changed_at)).where(_EARLIER.contact_id == _S.contact_id).scalar_subquery()
_FEW = select(
    *_CONTACT_COLUMNS,
    select(json_rows(_E.kind, _E.detail, _E.occurred_at, _E.metadata_, _E.created_at))
    .where(_of_contact(_E.contact_id), _RULE_EVENT)
    .scalar_subquery(),
    select(json_rows(_R.evidence_id, _R.verdict)).where(_of_contact(_R.contact_id)).scalar_subquery(),
    exists().where(_of_contact(_Q.contact_id), _OPEN),
    select(json_rows(_S.source, _S.from_stage, _S.to_stage, _S.changed_at))
    .where(_of_contact(_S.contact_id), _S.changed_at == _LAST_CHANGE)
    .scalar_subquery(),
).where(_C.id.in_(bindparam("ids", expanding=True)))


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
    """contact id -> its UserRecords, for the contacts in `ids` (every contact when None; unknown ids left out)."""
    session.flush()
    conn = session.connection()
    if ids is None:
        return _every(conn)
    out: dict[uuid.UUID, UserRecords] = {}
    for start in range(0, len(ids), CHUNK):
        for row in conn.execute(_FEW, {"ids": list(ids[start : start + CHUNK])}):
            cid, n = row[0], len(_CONTACT_COLUMNS)
            events = [(kind, detail, parse_at(at), _loaded(meta)) for kind, detail, at, meta, _ in
                      sorted(_decoded(row[n]), key=_event_order)]  # fmt: skip
            reviews: dict[str, set[str]] = {}
            for evidence_id, verdict in _decoded(row[n + 1]):
                reviews.setdefault(verdict, set()).add(evidence_id)
            changes = [(cid, source, old, new, parse_at(at)) for source, old, new, at in _decoded(row[n + 3])]
            out[cid] = _records(row, events, reviews, open_message=bool(row[n + 2]), pinned_at=_pins(changes).get(cid))
    return out


def _every(conn: Any) -> dict[uuid.UUID, UserRecords]:
    events: dict[uuid.UUID, list[tuple[Any, ...]]] = {}
    for cid, *rest in conn.execute(_EVENTS):
        events.setdefault(cid, []).append(tuple(rest))
    reviews: dict[uuid.UUID, dict[str, set[str]]] = {}
    for cid, evidence_id, verdict in conn.execute(_REVIEWS):
        reviews.setdefault(cid, {}).setdefault(verdict, set()).add(evidence_id)
    waiting = set(conn.execute(_WAITING).scalars())
    pins = _pins(conn.execute(_PINS))
    out: dict[uuid.UUID, UserRecords] = {}
    for row in conn.execute(_CONTACTS):
        cid = row[0]
        found = events.get(cid, [])
        out[cid] = _records(row, found, reviews.get(cid, {}), open_message=cid in waiting, pinned_at=pins.get(cid))
    return out
