"""Score the ordinary contacts inside the database: one UPDATE for every contact with nothing recorded.

Most contacts of a DM inbox have nothing recorded beyond their messages: an empty context card, value log and
trust signals, no relationship events or stage history, and no stage past first_touch.
For them DESIGN.md §3 reduces to constants and two message-derived components: need clarity 0, value
delivered 0, reliability 10 (no promises), consent 0, the stage stays first_touch (its first step needs a
context card), and the score is round(5 x (0.20 recency + 0.20 resonance + 0.15 x 10)) = recency + resonance + 8.

So a full recompute writes them with one ``UPDATE ... FROM`` over the two message aggregates of `facts.py` and
sends only the other contacts through the Python rules. Their fit-signal summaries (the one thing fit matches
change for them: the fit_repeats stage is five steps away) are brought up to date by `recompute.py`.
The SQL reproduces the Python values exactly:

- recency is a CASE over 20 cut-off instants (searched as a binary tree), each found by bisecting
  :func:`scoring.recency_value` itself (the latest touch that still earns k points), so no float formula is
  evaluated twice in two languages;
- resonance adds the same six float terms in the same order as :func:`scoring.resonance_value` (double
  precision on both engines) and rounds half up;
- a row is written only when one of its stored values differs, as the Python path does.

A test holds both paths equal on SQLite and PostgreSQL for random contacts (tests/relationship/test_bulk.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from typing import cast as typed

from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    Table,
    Text,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.sql.expression import Executable

from everreach.db.models import (
    Contact,
    Message,
    RelationshipEvent,
    StageChange,
)
from everreach.relationship import scoring
from everreach.relationship.facts import CONTEXT_FIELDS
from everreach.relationship.message_facts import recent_params, recent_stmt, totals_stmt
from everreach.relationship.textfeatures import floor_int

#: What an ordinary contact's recorded components are (no context, value, promises, consent or trust).
FIXED = {"need_clarity": 0, "value_delivered": 0, "reliability": 10, "consent_level": 0}
RECENCY_POINTS = range(20, 0, -1)
CONTACTS = typed(Table, Contact.__table__)
_TIME = Contact.last_meaningful_touch.type
_SEARCH_DAYS = 400  # recency_value is 0 long before this (it reaches 1 point at about 74.5 days)


def recency_cutoffs(now: datetime) -> list[datetime]:
    """For k = 20, 19, ..., 1: the earliest last-touch instant (microsecond precision) worth at least k points.

    recency_value only falls as the touch gets older, so each bound is found by bisection on it.
    """
    cutoffs = []
    for k in RECENCY_POINTS:
        ok, too_old = 0, _SEARCH_DAYS * 86_400_000_000  # microseconds before `now`
        while too_old - ok > 1:
            mid = (ok + too_old) // 2
            if scoring.recency_value(now - timedelta(microseconds=mid), now=now) >= k:
                ok = mid
            else:
                too_old = mid
        cutoffs.append(now - timedelta(microseconds=ok))
    return cutoffs


def ordinary_sql() -> ColumnElement[bool]:
    """The contact has nothing recorded beyond its messages (see the module docstring)."""
    c = Contact

    def empty_text(column: Any) -> ColumnElement[bool]:
        return or_(column.is_(None), column == "")

    def empty_list(column: Any) -> ColumnElement[bool]:
        return or_(column.is_(None), cast(column, Text) == "[]")

    return and_(
        or_(c.relationship_stage.is_(None), c.relationship_stage == "first_touch"),
        *(empty_text(getattr(c, name)) for name in CONTEXT_FIELDS),
        empty_list(c.value_delivered_log),
        empty_list(c.trust_signals),
        not_(exists().where(RelationshipEvent.contact_id == c.id)),
        not_(exists().where(StageChange.contact_id == c.id)),
    )


def _least(value: Any, cap: float) -> ColumnElement[Any]:
    bound = literal(cap, Float())
    return case((value < bound, value), else_=bound)


def _resonance_sql(deep: Any, chars: Any, questions: Any, selfd: Any, emotion: Any, mine: Any, replied: Any) -> Any:
    """SQL form of scoring.resonance_value: the same six double-precision terms, summed in the same order."""
    zero = literal(0.0, Float())
    reply_rate = case(
        (mine > 0, literal(4.0, Float()) * replied / mine),
        else_=zero,
    )
    total = (
        _least(deep, 4.0)
        + _least(chars / literal(100.0, Float()), 4.0)
        + _least(questions, 3.0)
        + _least(selfd, 3.0)
        + _least(emotion, 2.0)
        + reply_rate
    )
    rounded = floor_int(total + literal(0.5, Float()))
    return case((rounded > 20, 20), else_=rounded)


def _recency_sql(last: Any, low: int = 0, high: int = RECENCY_POINTS[0]) -> Any:
    """Recency points of `last` (known to lie in low..high) as a binary search over the cut-offs: about five
    comparisons a row instead of up to twenty. A NULL touch fails every comparison and gets 0."""
    if low == high:
        return literal(low)
    mid = (low + high + 1) // 2
    return case(
        (last >= bindparam(f"cut{mid}", type_=_TIME), _recency_sql(last, mid, high)),
        else_=_recency_sql(last, low, mid - 1),
    )


def _differs(values: dict[str, Any]) -> ColumnElement[bool]:
    return or_(*(getattr(Contact, name).is_distinct_from(value) for name, value in values.items()))


def _ordinary_row(*, score: Any, resonance: Any, last: Any, sent: Any, received: Any) -> dict[str, Any]:
    """The stored columns of an ordinary contact: the fixed components and stage, and what its messages give."""
    return {
        "relationship_score": score,
        "resonance_score": resonance,
        "need_clarity_score": FIXED["need_clarity"],
        "value_delivered_score": FIXED["value_delivered"],
        "reliability_score": FIXED["reliability"],
        "consent_level": FIXED["consent_level"],
        "relationship_stage": "first_touch",
        "last_meaningful_touch": last,
        "total_messages_sent": sent,
        "total_messages_received": received,
    }


def _only(mode: str) -> list[ColumnElement[bool]]:
    """The contacts a statement writes: all, or those in the expanding parameter `cids`."""
    return [] if mode == "all" else [Contact.id.in_(bindparam("cids", expanding=True))]


def _ordinary_unless_chosen(mode: str) -> list[ColumnElement[bool]]:
    """The ordinary test, for every contact; chosen `cids` are ordinary ones already (the caller checked).

    Left in a statement for a few chosen contacts, its many OR terms make PostgreSQL expect about one row
    and join the per-contact aggregates in a nested loop, rescanning them once per contact.
    """
    return [ordinary_sql()] if mode == "all" else []


@lru_cache
def _update_with_messages(mode: str) -> Executable:
    totals = totals_stmt(mode).subquery("totals")
    recent = recent_stmt(mode, cadence=False).subquery("recent")
    t, r = list(totals.c), list(recent.c)
    agg = (
        select(
            t[0].label("cid"),
            t[1].label("last"),
            func.coalesce(t[2], 0).label("sent"),
            func.coalesce(t[3], 0).label("received"),
            _recency_sql(t[1]).label("rec"),
            _resonance_sql(*(func.coalesce(col, 0) for col in r[1:8])).label("res"),
        )
        .select_from(totals.outerjoin(recent, r[0] == t[0]))
        .subquery("agg")
    )
    new = _ordinary_row(
        score=agg.c.rec + agg.c.res + 8, resonance=agg.c.res, last=agg.c.last, sent=agg.c.sent, received=agg.c.received
    )
    return (
        update(CONTACTS)
        .where(Contact.id == agg.c.cid, *_ordinary_unless_chosen(mode), _differs(new))
        .values(**new, updated_at=bindparam("written_at", type_=_TIME))
    )


@lru_cache
def _update_without_messages(mode: str) -> Executable:
    new = _ordinary_row(score=8, resonance=0, last=None, sent=0, received=0)
    return (
        update(CONTACTS)
        .where(
            *_only(mode),
            *_ordinary_unless_chosen(mode),
            _differs(new),
            not_(exists().where(Message.contact_id == Contact.id)),
        )
        .values(**new, updated_at=bindparam("written_at", type_=_TIME))
    )


@lru_cache
def _update_from_stored() -> Executable:
    """Every ordinary contact scored from its stored last touch and resonance (its messages are not read)."""
    c = Contact
    resonance = func.coalesce(c.resonance_score, 0)
    new = _ordinary_row(
        score=_recency_sql(c.last_meaningful_touch) + resonance + 8,
        resonance=resonance,
        last=c.last_meaningful_touch,
        sent=func.coalesce(c.total_messages_sent, 0),
        received=func.coalesce(c.total_messages_received, 0),
    )
    return (
        update(CONTACTS)
        .where(ordinary_sql(), _differs(new))
        .values(**new, updated_at=bindparam("written_at", type_=_TIME))
    )


#: PostgreSQL settings for the statements over every contact only. work_mem: the 4 MB default spills the
#: per-contact aggregate of a million messages to disk and steers the planner to random index reads (this
#: halves the time). enable_nestloop: the ordinary test's many OR terms make the planner expect about one
#: contact, and on some table sizes it then joins the aggregates in a nested loop, rescanning them once per
#: contact (9 s instead of 0.3 s at 10,000 contacts); these statements join whole sets, never a few rows.
BULK_SETTINGS = {"work_mem": "128MB", "enable_nestloop": "off"}
#: Contacts per statement when only some contacts' messages are read.
CHUNK = 5000


def _params(now: datetime) -> dict[str, Any]:
    params: dict[str, Any] = {**recent_params(now), "written_at": now}
    params.update({f"cut{k}": at for k, at in zip(RECENCY_POINTS, recency_cutoffs(now), strict=True)})
    return params


@contextmanager
def _planner(conn: Connection) -> Iterator[None]:
    """PostgreSQL: BULK_SETTINGS for the block, put back after it so later statements keep the server's values."""
    if conn.dialect.name != "postgresql":
        yield
        return
    before = {name: conn.scalar(text("SELECT current_setting(:name)"), {"name": name}) for name in BULK_SETTINGS}
    for name, value in BULK_SETTINGS.items():
        conn.execute(text("SELECT set_config(:name, :value, true)"), {"name": name, "value": value})
    yield
    for name, value in before.items():
        conn.execute(text("SELECT set_config(:name, :value, true)"), {"name": name, "value": value})


def score_ordinary(conn: Connection, *, now: datetime) -> int:
    """Write every ordinary contact's components, score, stage, last touch and totals; return rows written."""
    params = _params(now)
    with _planner(conn):
        written = conn.execute(_update_with_messages("all"), params).rowcount
        written += conn.execute(_update_without_messages("all"), {"written_at": now}).rowcount
    return int(written)


def rescore_ordinary(conn: Connection, *, now: datetime, reread: Iterable[uuid.UUID]) -> int:
    """Like `score_ordinary`, reading only the messages of the ordinary contacts in `reread`: every other
    ordinary contact's stored last touch, totals and resonance still hold (incremental.py says when), so its
    score is recency at `now` plus that resonance. Returns rows written."""
    params = _params(now)
    ids = sorted(reread)
    written = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        written += conn.execute(_update_with_messages("many"), {**params, "cids": chunk}).rowcount
        written += conn.execute(_update_without_messages("many"), {"written_at": now, "cids": chunk}).rowcount
    # The contacts just read already hold their new values: this finds nothing to change for them.
    written += conn.execute(_update_from_stored(), params).rowcount
    return int(written)


def special_ids_stmt() -> Executable:
    """The contacts that are not ordinary: they go through the Python rules."""
    return select(Contact.id).where(not_(ordinary_sql()))
