"""Search from the header box: contacts by handle or display name, and messages, each highlighted and paged."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from everreach.http import routes
from everreach.http.deps import DbSession
from everreach.http.web.render import render
from everreach.messages.search import search_messages
from everreach.relationship.directory import browse_contacts

router = routes.router(include_in_schema=False)
MESSAGES_PER_PAGE = 50
CONTACTS_SHOWN = 10


@router.get("/search", response_class=HTMLResponse)
def search(
    request: Request,
    session: DbSession,
    q: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """Contacts whose handle or name contains the text (first page only), then messages containing it, newest first."""
    query = q.strip()
    people = browse_contacts(session, query=query, sort="score", limit=CONTACTS_SHOWN) if query and page == 1 else None
    hits = []
    if query:
        hits = search_messages(session, query=query, limit=MESSAGES_PER_PAGE + 1, offset=(page - 1) * MESSAGES_PER_PAGE)
    return render(
        request,
        "search.html",
        section="Search",
        title=f"Search: {query}" if query else "Search",
        query=query,
        people=people,
        hits=hits[:MESSAGES_PER_PAGE],
        more=len(hits) > MESSAGES_PER_PAGE,
        page=page,
        first=(page - 1) * MESSAGES_PER_PAGE + 1,
    )
