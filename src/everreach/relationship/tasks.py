"""The reads that walk contact_ranks (the weekly tasks, attention) and the offer-ready ids, on SQLAlchemy Core.

These are the one home of those queries. They import no ORM model and no pydantic schema, so a command such as
`everreach tasks --json` starts without loading either; `queries` wraps their plain results in its schemas for
the API and the dashboard. The tables are named here by the few columns these reads use (a test holds each
column's name and type equal to the models').

contact_ranks is the score-ordered copy of the contacts that triggers keep (see ranks.py): a walk stays in its
key order and reads its filter columns from the same tree, so it costs the entries it passes, not a contact row
each; only the rows it returns are looked up in instagram_contacts.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Connection,
    Integer,
    Select,
    Text,
    Uuid,
    bindparam,
    column,
    false,
    literal,
    not_,
    or_,
    select,
    table,
    union_all,
)

from everreach.contacts.spam import spam_sql
from everreach.db.types import UTCDateTime
from everreach.relationship.rules.lanes import OFFER_STAGES

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

CONTACTS = table(
    "instagram_contacts",
    column("id", Uuid()),
    column("instagram_username", Text()),
    column("display_name", Text()),
    column("relationship_score", Integer()),
    column("relationship_stage", Text()),
    column("last_meaningful_touch", UTCDateTime()),
    column("consent_level", Integer()),
)
RANKS = table(
    "contact_ranks",
    column("minus_score", Integer()),
    column("contact_id", Uuid()),
    column("last_meaningful_touch", UTCDateTime()),
    column("is_spam", Boolean()),
)
OFFER_READY = table("offer_ready_contacts", column("contact_id", Uuid()))

#: Bucket name, how many, lowest score (inclusive), highest score (exclusive); offers (5) come first.
TASK_BUCKETS = (("micro_wins", 10, 60, None), ("curiosity", 10, 40, 60), ("rewarm", 5, None, 40))
OFFERS = 5
#: The order the buckets are shown and returned in.
BUCKET_ORDER = ("micro_wins", "curiosity", "rewarm", "offers")
ATTENTION_DAYS = 30
RECENT_TOUCH_DAYS = 3


def offer_ready_ids(conn: Connection | Session) -> list[uuid.UUID]:
    """Contacts in the offer lane (offer stage, trust or consent, 3:1 met), as recompute last marked them.

    The stored stage and consent are checked again here, so a contact moved by hand since is left out.
    """
    marked = list(conn.scalars(select(OFFER_READY.c.contact_id)))
    if not marked:
        return []
    c = CONTACTS.c
    stmt = (
        select(c.id)
        .where(
            c.id.in_(marked),
            # `|| ''` keeps both planners off the stage index: the few marked ids drive the lookup.
            (c.relationship_stage + "").in_(OFFER_STAGES),
            c.consent_level > 0,
        )
        .order_by(c.id)
    )
    return list(conn.scalars(stmt))


def ranked_walk(*, low: int | None = None, high: int | None = None) -> Select[Any]:
    """Contacts walked from contact_ranks, best score first (ties by id), with low <= score < high; spam left out."""
    bounds = [RANKS.c.minus_score <= -(low or 0)]  # minus_score 1 is a contact without a score: never listed
    if high is not None:
        bounds.append(RANKS.c.minus_score > -high)
    return (
        select(CONTACTS.c.instagram_username)
        .select_from(RANKS)
        .join(CONTACTS, CONTACTS.c.id == RANKS.c.contact_id)
        .where(*bounds, RANKS.c.is_spam == false())
        .order_by(RANKS.c.minus_score, RANKS.c.contact_id)
    )


def attention(
    conn: Connection | Session, *, limit: int = 10, now: datetime | None = None
) -> list[tuple[str, str | None, int | None, datetime | None]]:
    """(username, display name, score, last touch) of contacts with no meaningful touch in 30 days (or never),
    highest score first; spam left out."""
    now = now or datetime.now(UTC)
    touch = RANKS.c.last_meaningful_touch
    c = CONTACTS.c
    stmt = (
        ranked_walk()
        .add_columns(c.display_name, c.relationship_score, c.last_meaningful_touch)
        .where(or_(touch < now - timedelta(days=ATTENTION_DAYS), touch.is_(None)))
        .limit(limit)
    )
    return [(u, d, s, t) for u, d, s, t in conn.execute(stmt)]


def weekly_tasks(conn: Connection | Session, *, now: datetime | None = None) -> dict[str, list[str]]:
    """This week's buckets (usernames, in BUCKET_ORDER): micro-wins (>= 60, 10), curiosity (40-59, 10), rewarm
    (< 40, 5), offers (5).

    Spam and contacts touched in the last 3 days are left out; a contact in offers is not repeated elsewhere.
    After the offer-ready ids (a small table), every bucket comes from one statement built once per engine: a
    UNION ALL of one walk down contact_ranks per bucket, the offer-ready contacts looked up by id.
    """
    now = now or datetime.now(UTC)
    ready = offer_ready_ids(conn)
    dialect = conn.dialect if isinstance(conn, Connection) else conn.get_bind().dialect
    stmt = _tasks_stmt(dialect.name, bool(ready))
    params: dict[str, Any] = {"touched_before": now - timedelta(days=RECENT_TOUCH_DAYS)}
    if ready:
        params["ready"] = ready
    rows: dict[str, list[tuple[int, uuid.UUID, str]]] = {name: [] for name in BUCKET_ORDER}
    for name, username, score, cid in conn.execute(stmt, params):
        rows[name].append((-score, cid, username))
    # SQL promises no row order out of a UNION ALL: each bucket is put in (score, id) order again here.
    return {name: [u for *_, u in sorted(found)] for name, found in rows.items()}


@lru_cache
def _tasks_stmt(dialect: str, with_offers: bool) -> Any:
    before = bindparam("touched_before", type_=UTCDateTime())
    c = CONTACTS.c
    parts = []
    excluded: list[ColumnElement[bool]] = []
    if with_offers:  # the offer-ready ids, looked up by primary key
        ready: Any = bindparam("ready", expanding=True)
        offers = (
            select(c.instagram_username)
            .where(
                c.id.in_(ready),
                not_(spam_sql(dialect)),
                or_(c.last_meaningful_touch.is_(None), c.last_meaningful_touch < before),
            )
            .order_by(c.relationship_score.desc(), c.id)
            .limit(OFFERS)
        )
        parts.append(("offers", offers.add_columns(c.relationship_score, c.id)))
        excluded.append(RANKS.c.contact_id.not_in(ready))
    touch = RANKS.c.last_meaningful_touch
    for name, n, low, high in TASK_BUCKETS:
        walk = ranked_walk(low=low, high=high).where(or_(touch.is_(None), touch < before), *excluded).limit(n)
        parts.append((name, walk.add_columns(-RANKS.c.minus_score, RANKS.c.contact_id)))
    branches = []
    for i, (name, stmt) in enumerate(parts):
        sub = stmt.subquery(f"b{i}")
        username, score, cid = sub.c
        branches.append(select(literal(name).label("bucket"), username, score, cid))
    return union_all(*branches)
