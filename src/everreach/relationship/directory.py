"""The contact list a person browses: a name or handle filter, a total, and every column sortable both ways."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Integer, case, column, func, literal_column, or_, select, text
from sqlalchemy.orm import Session

from everreach.db.models import LANES, Contact, OutreachItem
from everreach.errors import ValidationError
from everreach.messages.search import ESCAPE, fts_phrase, like_pattern
from everreach.relationship import counts
from everreach.relationship.offer_ready import marked as offer_ready_ids
from everreach.relationship.queries import has_tag_sql, lane_sql
from everreach.relationship.rules.stages import STAGES
from everreach.relationship.schemas import ContactRow

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
    """Handle or display name contains `query`, case-insensitive ('@' in front ignored).

    SQLite asks the trigram table instagram_contacts_fts (migration 0009) when the text has three characters or
    more, as a quoted phrase; PostgreSQL's ILIKE is served by the pg_trgm indexes on both columns.
    """
    typed = query.strip().lstrip("@").lower()
    pattern = like_pattern(typed)
    if session.get_bind().dialect.name != "sqlite":
        return or_(
            Contact.instagram_username.ilike(pattern, escape=ESCAPE),
            Contact.display_name.ilike(pattern, escape=ESCAPE),
        )
    if len(typed) >= 3:
        found = text("SELECT rowid FROM instagram_contacts_fts WHERE instagram_contacts_fts MATCH :contact_text")
        rowids = found.bindparams(contact_text=fts_phrase(typed)).columns(column("rowid", Integer))
        return literal_column("instagram_contacts.rowid").in_(rowids)
    # SQLite's LIKE already ignores ASCII case; lower() costs
    return or_(
        Contact.instagram_username.like(pattern, escape=ESCAPE), Contact.display_name.like(pattern, escape=ESCAPE)
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
    most: int = MAX_PAGE,
) -> ContactPage:
    """Contacts matching every filter given, sorted by one column either way (ties by handle, contacts without
    the value last), and the total.

    A list narrowed by the name, lane, score or tag filters is read in one statement that also counts the
    matches. The whole list (or one stage of it) is read so that an index serves the order: by handle on the
    handle index; by score a page of the scored contacts down the score index, then the unscored; by stage one
    stage at a time on the (stage, handle) index, whole stages skipped by their counts; its total comes from
    the stored counts.
    """
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
    page = _Page(session, lane_expr, where, limit=max(1, min(limit, most)), offset=max(0, offset))
    if len(where) > (1 if stage is not None else 0):  # narrowed: one pass finds the page and counts the matches
        key = _sort_key(sort, lane_expr)
        order = (case((key.is_(None), 1), else_=0), key.desc() if descending else key.asc(), Contact.instagram_username)
        rows, total = page.read_counted(*order)
        return ContactPage(rows=rows, total=total)
    stored = counts.read(session)
    total = stored.by_key("stage").get(stage, 0) if stage is not None else stored.total("contacts")
    if sort == "name":
        rows = page.read(Contact.instagram_username.desc() if descending else Contact.instagram_username.asc())
    elif sort in ("score", "touch"):
        rows = page.nullable_last(_sort_key(sort, lane_expr), descending, stored)
    elif sort == "stage":
        rows = page.by_stage(descending, stored)
    else:
        key = _sort_key(sort, lane_expr)
        rows = page.read(key.desc() if descending else key.asc(), Contact.instagram_username)
    return ContactPage(rows=rows, total=total)


#: The API's and the CLI's sort names -> the list's column and direction.
SORTS: dict[str, tuple[str, bool]] = {
    "score": ("score", True), "username": ("name", False), "recent": ("touch", True), "stale": ("touch", False),
}  # fmt: skip


def list_contacts(
    session: Session,
    *,
    stage: str | None = None,
    lane: str | None = None,
    min_score: int | None = None,
    max_score: int | None = None,
    tag: str | None = None,
    sort: str = "score",
    limit: int = 50,
    offset: int = 0,
) -> list[ContactRow]:
    """The contact list as the API and `everreach contacts` page it: filtered by stage, lane, score range
    (inclusive) and tag, sorted by score (highest first), username, recent or stale touch (contacts without
    the value last, ties by handle); `browse_contacts`' reads, up to 1,000 rows a page."""
    if sort not in SORTS:
        raise ValidationError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    column, descending = SORTS[sort]
    return browse_contacts(
        session, stage=stage, lane=lane, min_score=min_score, max_score=max_score, tag=tag, sort=column,
        descending=descending, limit=limit, offset=offset, most=1000,
    ).rows  # fmt: skip


class _Page:
    """One page of the filtered contacts, read in a given order (the reads browse_contacts chooses from)."""

    def __init__(
        self, session: Session, lane: ColumnElement[str], where: list[ColumnElement[bool]], *, limit: int, offset: int
    ) -> None:
        self.session, self.lane, self.where, self.limit, self.offset = session, lane, where, limit, offset

    def _select(self, *extra: Any) -> Any:
        return select(
            Contact.instagram_username, Contact.display_name, Contact.relationship_score, Contact.relationship_stage,
            self.lane, Contact.last_meaningful_touch, Contact.tags, *extra,
        ).where(*self.where)  # fmt: skip

    @staticmethod
    def _row(u: str, d: str | None, s: int | None, st: str | None, ln: str, t: Any, tg: Any) -> ContactRow:
        return ContactRow(
            username=u, display_name=d, score=s, stage=st, lane=ln, last_meaningful_touch=t, tags=list(tg or [])
        )

    def read(
        self, *order: Any, where: Any = (), limit: int | None = None, offset: int | None = None
    ) -> list[ContactRow]:
        """Rows matching the filters (and `where`), in `order`."""
        stmt = (
            self._select()
            .where(*where)
            .order_by(*order)
            .limit(self.limit if limit is None else limit)
            .offset(self.offset if offset is None else offset)
        )
        return [self._row(*row) for row in self.session.execute(stmt)]

    def read_counted(self, *order: Any) -> tuple[list[ContactRow], int]:
        """The page in `order` and how many rows match in all, from one statement (a window count)."""
        stmt = self._select(func.count().over()).order_by(*order).limit(self.limit).offset(self.offset)
        found = self.session.execute(stmt).all()
        if not found:  # past the end (or nothing matches): the window had no row to report on
            return [], self._count() if self.offset else 0
        return [self._row(*row[:-1]) for row in found], int(found[0][-1])

    def _count(self, *where: Any) -> int:
        stmt = select(func.count()).select_from(Contact).where(*self.where, *where)
        return int(self.session.scalar(stmt) or 0)

    def nullable_last(self, key: Any, descending: bool, stored: counts.Counts) -> list[ContactRow]:
        """Contacts with a value in its order (the key's index walked, ties by handle), then those without."""
        rows = self.read(key.desc() if descending else key.asc(), Contact.instagram_username, where=[key.is_not(None)])
        if len(rows) == self.limit:
            return rows
        if not self.where and key is Contact.relationship_score:
            valued = stored.total("contacts") - stored.by_key("score").get("", 0)
        else:
            valued = self._count(key.is_not(None))
        rest = self.read(
            Contact.instagram_username, where=[key.is_(None)], limit=self.limit - len(rows),
            offset=max(0, self.offset - valued),
        )  # fmt: skip
        return rows + rest

    def by_stage(self, descending: bool, stored: counts.Counts) -> list[ContactRow]:
        """Stage by stage up or down the ladder, each by handle; stages before the page skipped whole."""
        column = Contact.relationship_stage
        if not self.where:
            per_stage = stored.by_key("stage")
        else:
            grouped = select(column, func.count()).where(*self.where).group_by(column)
            per_stage = {k or "": int(n) for k, n in self.session.execute(grouped)}
        # The first stage's group also holds contacts without a stage (or with one not on the ladder).
        off_ladder = any(n for k, n in per_stage.items() if k not in STAGES)
        first = or_(column.is_(None), column.not_in(STAGES[1:])) if off_ladder else column == STAGES[0]
        groups = [(sum(n for k, n in per_stage.items() if k not in STAGES[1:]), first)]
        groups += [(per_stage.get(s, 0), column == s) for s in STAGES[1:]]
        rows: list[ContactRow] = []
        skip = self.offset
        for size, condition in reversed(groups) if descending else groups:
            if skip >= size:
                skip -= size
                continue
            rows += self.read(Contact.instagram_username, where=[condition], limit=self.limit - len(rows), offset=skip)
            skip = 0
            if len(rows) >= self.limit:
                break
        return rows


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
