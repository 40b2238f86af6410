"""Dashboard pages about people: Today, Contacts, a contact, Search, and the actions taken from them."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from everreach.contacts.lookup import get_contact
from everreach.db.models import LANES, STAGES
from everreach.errors import EverReachError
from everreach.http.deps import DbSession
from everreach.http.web.manage import back
from everreach.http.web.render import render
from everreach.messages.reads import messages_of
from everreach.messages.search import search_messages
from everreach.outreach import queue
from everreach.relationship import queries, service
from everreach.relationship.facts import CONTEXT_FIELDS
from everreach.relationship.scoring import TRUST_KINDS, VALUE_KINDS
from everreach.relationship.service import CONSENT_KINDS
from everreach.relationship.stats import stats

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=5000)]
OptText = Annotated[str | None, Form(max_length=5000)]
SORTS = ("score", "username", "recent", "stale")


def contact_path(username: str) -> str:
    """The contact page's path."""
    return f"/contacts/{quote(username, safe='')}"


@router.get("/", response_class=HTMLResponse)
def today(request: Request, session: DbSession) -> Response:
    """This week's buckets with one-click 'queue this suggestion', plus who needs attention."""
    tasks = queries.weekly_tasks(session)
    names = {u for bucket in tasks.model_dump().values() for u in bucket}
    rows = {r.username: r for r in queries.list_contacts(session, limit=500)} if names else {}
    return render(
        request, "today.html", section="Today", title="Today", tasks=tasks, rows=rows,
        attention=queries.attention(session, limit=8), stats=stats(session),
        next_send=queue.next_allowed_send(session),
    )  # fmt: skip


@router.post("/contacts/{username}/queue-next", response_class=HTMLResponse)
def queue_next(request: Request, session: DbSession, username: str) -> Response:
    """Queue the contact's top suggestion; htmx gets a small confirmation in place of the button."""
    queued = queue.add_next_best_action(session, username=username)
    if request.headers.get("hx-request"):
        return HTMLResponse('<span class="ok">Queued ✓</span>')
    return back(contact_path(username), f"Queued: {queued.item.message_text}")


@router.get("/contacts", response_class=HTMLResponse)
def contacts(
    request: Request,
    session: DbSession,
    stage: str | None = None,
    lane: str | None = None,
    min_score: Annotated[int | None, Query(ge=0, le=100)] = None,
    max_score: Annotated[int | None, Query(ge=0, le=100)] = None,
    tag: Annotated[str | None, Query(max_length=100)] = None,
    sort: str = "score",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """Sortable, filterable table of contacts with score and stage badges."""
    filters = {
        "stage": stage if stage in STAGES else None,
        "lane": lane if lane in LANES else None,
        "min_score": min_score,
        "max_score": max_score,
        "tag": tag or None,
        "sort": sort if sort in SORTS else "score",
    }
    size = 50
    rows = queries.list_contacts(session, **filters, limit=size + 1, offset=(page - 1) * size)  # type: ignore[arg-type]

    def qs(**changes: object) -> str:
        merged = {**filters, "page": page, **changes}
        return urlencode({k: v for k, v in merged.items() if v not in (None, "")})

    return render(
        request, "contacts.html", section="Contacts", title="Contacts", rows=rows[:size], more=len(rows) > size,
        page=page, filters=filters, stages=STAGES, lanes=LANES, sorts=SORTS, qs=qs,
    )  # fmt: skip


@router.get("/contacts/{username}", response_class=HTMLResponse)
def contact_page(request: Request, session: DbSession, username: str, flash: str | None = None) -> Response:
    """Score breakdown, context card, logs, stage history, fit signals, conversation, next best actions."""
    contact = get_contact(session, username=username)
    name = contact.instagram_username
    return render(
        request, "contact.html", section="Contacts", title=f"@{name}", flash=flash, contact=contact,
        health=queries.health(session, username=name), next=_next_or_none(session, name),
        history=queries.stage_history(session, username=name), matches=queries.fit_matches(session, username=name),
        messages=list(reversed(messages_of(session, username=name, limit=200))),
        context_fields=CONTEXT_FIELDS, value_kinds=VALUE_KINDS, trust_kinds=TRUST_KINDS,
        consent_kinds=[k.removeprefix("consent_") for k in CONSENT_KINDS], stages=STAGES,
    )  # fmt: skip


def _next_or_none(session: DbSession, username: str) -> object:
    try:
        return queries.next_best_actions(session, username=username)
    except EverReachError:
        return None


@router.post("/contacts/{username}/context")
def save_context(
    session: DbSession,
    username: str,
    what_theyre_building: OptText = None,
    current_friction: OptText = None,
    their_definition_of_win: OptText = None,
    constraints: OptText = None,
    preferred_contact_style: OptText = None,
) -> Response:
    """Save the context card; the score updates at once."""
    health = service.update_context_card(
        session, username=username, what_theyre_building=what_theyre_building, current_friction=current_friction,
        their_definition_of_win=their_definition_of_win, constraints=constraints,
        preferred_contact_style=preferred_contact_style,
    )  # fmt: skip
    return back(contact_path(username), f"Context card saved. Score is now {health.score}.")


@router.post("/contacts/{username}/record")
def record(session: DbSession, username: str, what: Text, note: Text = "", kind: OptText = None) -> Response:
    """Record value, a promise, a kept promise, a trust signal, consent or a purchase."""
    kind = (kind or "").strip()
    if what == "value":
        health = service.record_value(session, username=username, kind=kind, note=note)
    elif what == "promise":
        health = service.record_promise(session, username=username, note=note)
    elif what == "promise_kept":
        health = service.record_promise_kept(session, username=username, note=note)
    elif what == "trust":
        health = service.record_trust_signal(session, username=username, kind=kind, note=note)
    elif what == "consent":
        health = service.record_consent(session, username=username, kind=kind, note=note)
    else:
        health = service.record_purchase(session, username=username, product=kind or note, note=note)
    return back(contact_path(username), f"Recorded. Score is now {health.score}.")


@router.post("/contacts/{username}/stage")
def set_stage(session: DbSession, username: str, stage: Text, reason: Text = "") -> Response:
    """Set the stage by hand."""
    service.set_stage(session, username=username, stage=stage, reason=reason or "set by hand")
    return back(contact_path(username), f"Stage set to {stage.replace('_', ' ')}.")


@router.get("/search", response_class=HTMLResponse)
def search(request: Request, session: DbSession, q: Annotated[str, Query(max_length=200)] = "") -> Response:
    """Messages containing the text, newest first."""
    hits = search_messages(session, query=q.strip(), limit=100) if q.strip() else []
    return render(request, "search.html", section="Search", title="Search", query=q, hits=hits)
