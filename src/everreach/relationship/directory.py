"""The contact list a person browses: a name or handle filter, a total, and every column sortable both ways."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session

from everreach.db.models import LANES, STAGES, Contact, OutreachItem
from everreach.errors import ValidationError
from everreach.messages.search import ESCAPE, like_pattern
from everreach.relationship import counts
from everreach.relationship.queries import has_tag_sql, lane_sql
from everreach.relationship.schemas import ContactRow
from everreach.relationship.tasks import offer_ready_ids

COLUMNS = ("name", "score", "stage", "lane", "touch")
MAX_PAGE = 200


class ContactPage(BaseModel):
    """One page of contacts and how many match in all."""

    rows: list[ContactRow]
    total: int


def _sort_key(column: str, lane: ColumnElement[str]) -> Any:
    if column == "name":
        return Contact.instagram_username
    if column == "score":
        return Contact.relationship_score
    if column == "stage":  # the ladder's order, not the alphabet's
        return case(*((Contact.relationship_stage == s, i) for i, s in enumerate(STAGES)), else_=0)
    if column == "lane":
        return case(*((lane == name, i) for i, name in enumerate(LANES)), else_=len(LANES))
    return Contact.last_meaningful_touch


def name_filter(session: Session, query: str) -> ColumnElement[bool]:
    """Handle or display name contains `query`, case-insensitive ('@' in front ignored)."""
    pattern = like_pattern(query.strip().lstrip("@").lower())
    if session.get_bind().dialect.name == "sqlite":  # SQLite's LIKE already ignores ASCII case; lower() costs
        return or_(
            Contact.instagram_username.like(pattern, escape=ESCAPE), Contact.display_name.like(pattern, escape=ESCAPE)
        )
    return or_(
        Contact.instagram_username.ilike(pattern, escape=ESCAPE), Contact.display_name.ilike(pattern, escape=ESCAPE)
    )


def browse_contacts(
    session: Session,
    *,
    query: str | None = None,
    stage: str | None = None,
    lane: str | None = None,
    min_score: int | None = None,
    max_score: int | None = None,
    tag: str | None = None,
    sort: str = "score",
    descending: bool = True,
    limit: int = 50,
    offset: int = 0,
) -> ContactPage:
    """Contacts matching every filter given, sorted by one column either way (ties by handle), and the total."""
    if sort not in COLUMNS:
        raise ValidationError(f"sort by one of {', '.join(COLUMNS)}, not {sort!r}")
    if stage is not None and stage not in STAGES:
        raise ValidationError(f"stage must be one of {', '.join(STAGES)}, not {stage!r}")
    lane_expr = lane_sql(offer_ready_ids(session))
    where: list[ColumnElement[bool]] = []
    if query and query.strip().lstrip("@"):
        where.append(name_filter(session, query))
    if stage is not None:
        where.append(Contact.relationship_stage == stage)
    if lane is not None:
        where.append(lane_expr == lane)
    if min_score is not None:
        where.append(Contact.relationship_score >= min_score)
    if max_score is not None:
        where.append(Contact.relationship_score <= max_score)
    if tag:
        where.append(has_tag_sql(session, tag.strip().lower()))
    total = session.scalar(select(func.count()).select_from(Contact).where(*where)) or 0
    key = _sort_key(sort, lane_expr)
    stmt = (
        select(
            Contact.instagram_username,
            Contact.display_name,
            Contact.relationship_score,
            Contact.relationship_stage,
            lane_expr,
            Contact.last_meaningful_touch,
            Contact.tags,
        )
        .where(*where)
        # Contacts without the value come last either way, the same on both engines.
        .order_by(
            case((key.is_(None), 1), else_=0), key.desc() if descending else key.asc(), Contact.instagram_username
        )
        .limit(max(1, min(limit, MAX_PAGE)))
        .offset(max(0, offset))
    )
    rows = [
        ContactRow(username=u, display_name=d, score=s, stage=st, lane=ln, last_meaningful_touch=t, tags=list(tg or []))
        for u, d, s, st, ln, t, tg in session.execute(stmt)
    ]
    return ContactPage(rows=rows, total=int(total))


def rows_for(session: Session, *, usernames: list[str]) -> dict[str, ContactRow]:
    """username -> the listing row of each of these contacts (the lane as in the contact list)."""
    if not usernames:
        return {}
    lane_expr = lane_sql(offer_ready_ids(session))
    stmt = select(
        Contact.instagram_username,
        Contact.display_name,
        Contact.relationship_score,
        Contact.relationship_stage,
        lane_expr,
        Contact.last_meaningful_touch,
        Contact.tags,
    ).where(Contact.instagram_username.in_(usernames))
    return {
        u: ContactRow(
            username=u, display_name=d, score=s, stage=st, lane=ln, last_meaningful_touch=t, tags=list(tg or [])
        )
        for u, d, s, st, ln, t, tg in session.execute(stmt)
    }


def totals(session: Session) -> dict[str, int]:
    """Contacts, messages, and queue rows per state, for the Today page's counters (stored counts, no scans)."""
    stored = counts.read(session)
    out = {"contacts": stored.total("contacts"), "messages": stored.total("messages")}
    for state, n in session.execute(select(OutreachItem.status, func.count()).group_by(OutreachItem.status)):
        out[f"queue_{state or 'pending'}"] = out.get(f"queue_{state or 'pending'}", 0) + int(n)
    return out
