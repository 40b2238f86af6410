"""The weekly tasks and the offer-ready ids, on SQLAlchemy Core: the one home of their queries.

They import no ORM model, no pydantic schema and no settings, so `everreach tasks --json` starts without loading
any; `queries.weekly_tasks` wraps the plain result in its WeeklyTasks schema for the API and the dashboard. The
tables are named here by the few columns these reads use (a test holds each column's name and type equal to the
models'). Which bucket a contact is in, and its order there, is the bucket rule's (`rules.buckets`); the reads
here only bring the candidates in each bucket's order.

contact_ranks is the score-ordered copy of the contacts that triggers keep (see ranks.py): a walk stays in its
key order and reads its filter columns from the same tree, so it costs the entries it passes, not a contact row
each; only the rows it returns are looked up in instagram_contacts.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Connection,
    Integer,
    Text,
    Uuid,
    bindparam,
    column,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    table,
)

from everreach.contacts.spam import spam_sql
from everreach.db.types import UTCDateTime
from everreach.relationship import clock
from everreach.relationship.rules.buckets import (
    BUCKET_SIZES,
    CURIOSITY_MIN,
    MICRO_WINS_MIN,
    RECENT_TOUCH,
    bucket_sort_key,
    task_bucket,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["BUCKET_ORDER", "OPEN_QUEUE_STATES", "offer_ready_ids", "weekly_tasks"]

CONTACTS = table(
    "instagram_contacts",
    column("id", Uuid()),
    column("instagram_username", Text()),
    column("relationship_score", Integer()),
    column("relationship_stage", Text()),
    column("consent_level", Integer()),
    column("resonance_score", Integer()),
    column("last_meaningful_touch", UTCDateTime()),
)
RANKS = table(
    "contact_ranks",
    column("minus_score", Integer()),
    column("contact_id", Uuid()),
    column("last_meaningful_touch", UTCDateTime()),
    column("is_spam", Boolean()),
)
QUEUE = table("outreach_queue", column("contact_id", Uuid()), column("status", Text()))
OFFER_READY = table("offer_ready_contacts", column("contact_id", Uuid()))
_OFFER_READY_IDS = select(OFFER_READY.c.contact_id).order_by(OFFER_READY.c.contact_id)

#: Queue states in which a message to the contact is still on its way (DESIGN.md §4: one open message).
OPEN_QUEUE_STATES = ("pending", "scheduled", "sending")
#: The order the buckets are returned (and shown) in.
BUCKET_ORDER = tuple(BUCKET_SIZES)
#: Per bucket: the candidates' score range (low inclusive, high exclusive); rewarm is read by resonance.
_SCORE_BUCKETS = (("micro_wins", MICRO_WINS_MIN, None), ("curiosity", CURIOSITY_MIN, MICRO_WINS_MIN))
#: The largest page a bucket's walk reads at once.
_PAGE_MOST = 200


def _dialect(conn: Connection | Session) -> str:
    return conn.dialect.name if isinstance(conn, Connection) else conn.get_bind().dialect.name


def offer_ready_ids(conn: Connection | Session) -> list[uuid.UUID]:
    """The contacts in the offer lane, as recompute last marked them, in id order."""
    return list(conn.scalars(_OFFER_READY_IDS))


def open_message_sql() -> ColumnElement[bool]:
    """The contact has a message waiting in the queue (pending, scheduled, sending, or no status)."""
    q = QUEUE.c
    state = or_(q.status.in_(OPEN_QUEUE_STATES), q.status.is_(None))
    return exists().where(q.contact_id == CONTACTS.c.id, state)


def _task_row(dialect: str) -> Any:
    c = CONTACTS.c
    columns = (
        c.id, c.instagram_username, c.relationship_score, c.relationship_stage, c.consent_level, c.resonance_score,
        c.last_meaningful_touch,
    )  # fmt: skip
    return select(*columns, open_message_sql(), spam_sql(dialect))


#: The bound values of a page statement: how many rows, from where, and (score buckets) the recent-touch cut.
_LIMIT = bindparam("page_limit", type_=Integer())
_OFFSET = bindparam("page_offset", type_=Integer())
_BEFORE = bindparam("touched_before", type_=UTCDateTime())


def _by_score(dialect: str, *, low: int, high: int | None) -> Any:
    """A page of a score bucket's candidates, walked down contact_ranks (score order, spam and the recently
    touched skipped inside its own tree); only the rows returned are looked up in instagram_contacts."""
    rank = RANKS.c
    bounds = [rank.minus_score <= -low, rank.is_spam == false()]
    if high is not None:
        bounds.append(rank.minus_score > -high)
    touch = rank.last_meaningful_touch
    return (
        _task_row(dialect)
        .select_from(RANKS)
        .join(CONTACTS, CONTACTS.c.id == rank.contact_id)
        .where(*bounds, or_(touch.is_(None), touch < _BEFORE))
        .order_by(rank.minus_score, rank.contact_id)
        .limit(_LIMIT)
        .offset(_OFFSET)
    )


#: Rewarm's order, as idx_contacts_rewarm (migration 0010) has it: the literal 0 keeps SQLite's planner on it.
REWARM_ORDER = (func.coalesce(CONTACTS.c.resonance_score, literal_column("0")).desc(), CONTACTS.c.id)


def _by_resonance(dialect: str, *, high: int) -> Any:
    """A page of the rewarm candidates, the most resonance first: a walk down idx_contacts_rewarm, which tests
    the score on its own entries, so only the page's rows are read from instagram_contacts."""
    return (
        _task_row(dialect)
        .where(CONTACTS.c.relationship_score < high)
        .order_by(*REWARM_ORDER)
        .limit(_LIMIT)
        .offset(_OFFSET)
    )


@functools.cache
def _walks(dialect: str) -> tuple[tuple[str, Any], ...]:
    """Each bucket's page statement, built once per dialect (building one costs more than running it: the
    statement and its cache key), in the order the buckets are filled."""
    walks = [(name, _by_score(dialect, low=low, high=high)) for name, low, high in _SCORE_BUCKETS]
    return (*walks, ("rewarm", _by_resonance(dialect, high=CURIOSITY_MIN)))


def _pages(size: int) -> Iterator[tuple[int, int]]:
    """(limit, offset) of a bucket's successive pages: twice the bucket first (nearly every candidate fits
    it), then each page twice the last, up to `_PAGE_MOST`."""
    limit, offset = 2 * size, 0
    while True:
        yield limit, offset
        offset += limit
        limit = min(2 * limit, _PAGE_MOST)


def weekly_tasks(conn: Connection | Session, *, now: datetime | None = None) -> dict[str, list[str]]:
    """This week's buckets (rules/buckets.py), usernames in BUCKET_ORDER: micro-wins (10), curiosity (10),
    rewarm (5), offers (5).

    Spam, contacts with a message waiting and contacts touched in the last 3 days are in none. Each bucket
    reads its candidates in its own order (score, or resonance for rewarm; ties by contact id, as
    `bucket_sort_key`) a page at a time and keeps the ones the bucket rule puts there, until it is full.
    """
    now = now or clock.utcnow()
    dialect = _dialect(conn)
    before = now - RECENT_TOUCH
    ready = set(offer_ready_ids(conn))
    out: dict[str, list[tuple[tuple[int, str], str]]] = {name: [] for name in BUCKET_ORDER}

    def take(name: str, rows: Sequence[Any]) -> None:
        for cid, username, score, stage, consent, resonance, last, waiting, spam in rows:
            bucket = task_bucket(score=score or 0, stage=stage, consent_level=consent or 0, ratio_met=cid in ready,
                                 spam=bool(spam), open_message=bool(waiting), last_touch=last, now=now)  # fmt: skip
            if bucket == name and len(out[name]) < BUCKET_SIZES[name]:
                out[name].append((bucket_sort_key(name, score=score or 0, resonance=resonance or 0, key=cid.hex),
                                  username))  # fmt: skip

    def fill(name: str, statement: Any) -> None:
        for limit, offset in _pages(BUCKET_SIZES[name]):
            rows = conn.execute(statement, {"page_limit": limit, "page_offset": offset, "touched_before": before}).all()
            take(name, rows)
            if len(out[name]) >= BUCKET_SIZES[name] or len(rows) < limit:
                return

    if ready:  # in the offers' order (score, highest first), as `take` keeps the first it can
        c = CONTACTS.c
        offers = _task_row(dialect).where(c.id.in_(sorted(ready)))
        take("offers", conn.execute(offers.order_by(func.coalesce(c.relationship_score, 0).desc(), c.id)).all())
    for name, statement in _walks(dialect):
        fill(name, statement)
    return {name: [u for _, u in sorted(found)] for name, found in out.items()}
