"""Dashboard pages about people: the contact list and one contact's page (the forms posted from it: contact_forms)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from everreach.contacts.lookup import get_contact
from everreach.db.models import LANES
from everreach.errors import EverReachError
from everreach.http import routes
from everreach.http.deps import DbSession
from everreach.http.web.links import contact_path
from everreach.http.web.render import render
from everreach.outreach.suggested import open_messages
from everreach.relationship import queries
from everreach.relationship.coach import coach_notes
from everreach.relationship.contact_details import keep_in_touch_days
from everreach.relationship.directory import COLUMNS, browse_contacts
from everreach.relationship.evidence import evidence_report
from everreach.relationship.rules.components import LOGGED_TRUST_KINDS as TRUST_KINDS
from everreach.relationship.rules.components import VALUE_KINDS
from everreach.relationship.rules.inputs import CONTEXT_FIELDS
from everreach.relationship.rules.stages import STAGES
from everreach.relationship.service import CONSENT_KINDS
from everreach.relationship.timeline import timeline

router = routes.router(include_in_schema=False)
PAGE_SIZE = 50
# Older links: /contacts?sort=username|recent|stale.
LEGACY_SORTS = {"username": ("name", "asc"), "recent": ("touch", "desc"), "stale": ("touch", "asc")}
__all__ = ["contact_path", "render_contact", "router"]


@router.get("/contacts", response_class=HTMLResponse)
def contacts(
    request: Request,
    session: DbSession,
    q: Annotated[str | None, Query(max_length=100)] = None,
    stage: str | None = None,
    lane: str | None = None,
    min_score: Annotated[str | None, Query(max_length=3)] = None,
    max_score: Annotated[str | None, Query(max_length=3)] = None,
    tag: Annotated[str | None, Query(max_length=100)] = None,
    sort: str = "score",
    dir: str | None = None,
    order: Annotated[str | None, Query(max_length=20)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """Contacts filtered by name or handle, stage, lane, score and tag; every column sorts both ways."""
    if order and ":" in order:  # the form's one "Sort by" box: column:direction
        sort, dir = order.split(":", 1)
    sort, default_dir = LEGACY_SORTS.get(sort, (sort if sort in COLUMNS else "score", None))
    direction = dir if dir in ("asc", "desc") else default_dir or ("asc" if sort == "name" else "desc")
    low, high = _score(min_score), _score(max_score)
    filters: dict[str, Any] = {
        "q": (q or "").strip() or None,
        "stage": stage if stage in STAGES else None,
        "lane": lane if lane in LANES else None,
        "min_score": low,
        "max_score": high,
        "tag": (tag or "").strip() or None,
    }
    found = browse_contacts(
        session,
        query=filters["q"],
        stage=filters["stage"],
        lane=filters["lane"],
        min_score=low,
        max_score=high,
        tag=filters["tag"],
        sort=sort,
        descending=direction == "desc",
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )

    def qs(**changes: object) -> str:
        merged = {**filters, "sort": sort, "dir": direction, "page": page, **changes}
        if merged.get("page") == 1:
            merged.pop("page")
        return urlencode({k: v for k, v in merged.items() if v not in (None, "")})

    return render(
        request,
        "contacts.html",
        section="Contacts",
        title="Contacts",
        found=found,
        page=page,
        pages=max(1, -(-found.total // PAGE_SIZE)),
        filters=filters,
        sort=sort,
        direction=direction,
        stages=STAGES,
        lanes=LANES,
        qs=qs,
        first=(page - 1) * PAGE_SIZE + 1,
    )


@router.get("/contacts/{username}", response_class=HTMLResponse)
def contact_page(request: Request, session: DbSession, username: str) -> Response:
    """Score breakdown, suggestions, the timeline, and the forms: context card, tags and notes, records, stage."""
    return render_contact(request, session, username)


def render_contact(
    request: Request,
    session: DbSession,
    username: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
    flash: str | None = None,
) -> Response:
    """The contact page, with errors shown beside their fields and the typed values kept."""
    contact = get_contact(session, username=username)
    name = contact.instagram_username
    extra = {"flash": flash, "flash_error": True} if flash else {}
    return render(
        request,
        "contact.html",
        status_code=status_code,
        section="Contacts",
        title=f"@{name}",
        contact=contact,
        health=queries.health(session, username=name, contact=contact),
        next=_next_or_none(session, name),
        matches=queries.fit_matches(session, username=name),
        evidence=evidence_report(session, username=name),
        coach=coach_notes(session, username=name),
        entries=timeline(session, username=name),
        keep_days=keep_in_touch_days(session, contact_id=contact.id),
        open_item=open_messages(session, usernames=[name]).get(name),
        errors=errors or {},
        values=values or {},
        context_fields=CONTEXT_FIELDS,
        value_kinds=VALUE_KINDS,
        trust_kinds=TRUST_KINDS,
        consent_kinds=[k.removeprefix("consent_") for k in CONSENT_KINDS],
        stages=STAGES,
        **extra,
    )


def _score(value: str | None) -> int | None:
    """A score bound from the filter form: empty or not a number means no bound; clamped to 0-100."""
    text = (value or "").strip()
    return max(0, min(100, int(text))) if text.isdigit() else None


def _next_or_none(session: DbSession, username: str) -> object:
    try:
        return queries.next_best_actions(session, username=username)
    except EverReachError:
        return None
