"""Today: this week's people with a suggested message each, editable, queued or sent now from the card."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from everreach.errors import EverReachError
from everreach.http import routes
from everreach.http.deps import DbSession
from everreach.http.web.links import contact_path, redirect_with
from everreach.http.web.render import render
from everreach.outreach import queue
from everreach.outreach.suggested import open_messages, queue_suggestion
from everreach.relationship import queries
from everreach.relationship.directory import rows_for, totals

router = routes.router(include_in_schema=False)
Text = Annotated[str, Form(max_length=5000)]
OptText = Annotated[str | None, Form(max_length=200)]
FormId = Annotated[str, Query(max_length=60, pattern=r"^[A-Za-z0-9_-]*$")]


@router.get("/", response_class=HTMLResponse)
def today(request: Request, session: DbSession) -> Response:
    """This week's buckets, each person with their suggested message (loaded per card), and who needs attention."""
    tasks = queries.weekly_tasks(session)
    names = sorted({u for bucket in tasks.model_dump().values() for u in bucket})
    rows = rows_for(session, usernames=names)
    return render(
        request,
        "today.html",
        section="Today",
        title="Today",
        tasks=tasks,
        rows=rows,
        waiting=open_messages(session, usernames=names),
        attention=queries.attention(session, limit=8),
        totals=totals(session),
        next_send=queue.next_allowed_send(session),
    )


@router.get("/contacts/{username}/suggestion", response_class=HTMLResponse)
def suggestion(request: Request, session: DbSession, username: str, form_id: FormId = "suggest") -> Response:
    """The contact's top suggested message as an editable form (the fragment each Today card loads)."""
    actions = queries.next_best_actions(session, username=username).actions
    waiting = open_messages(session, usernames=[username]).get(username)
    return render(
        request,
        "_suggest.html",
        username=username,
        action=actions[0] if actions else None,
        open_item=waiting,
        form_id=form_id or "suggest",
        compact=True,
        error=None if actions else "No template fits right now: write one.",
    )


@router.post("/contacts/{username}/queue", response_class=HTMLResponse)
def queue_text(
    request: Request,
    session: DbSession,
    username: str,
    text: Text,
    mode: OptText = "queue",
    lane: OptText = None,
    action_key: OptText = None,
    force: OptText = None,
    form_id: OptText = "suggest",
) -> Response:
    """Queue the (edited) suggestion, or send it now; a contact with an open message needs "anyway" ticked."""
    htmx = bool(request.headers.get("hx-request"))
    try:
        item = queue_suggestion(
            session,
            username=username,
            text=text,
            lane=lane,
            action_key=action_key,
            send_now=mode == "now",
            force=bool(force),
        )
    except EverReachError as exc:
        session.rollback()
        if not htmx:
            return redirect_with(contact_path(username), str(exc), error=True)
        waiting = open_messages(session, usernames=[username]).get(username)
        action = {"lane": lane or "", "action_key": action_key or ""}
        return render(
            request,
            "_suggest.html",
            status_code=409 if isinstance(exc, queue.OpenMessageExists) else 422,
            username=username,
            action=action,
            text=text,
            open_item=waiting,
            error=str(exc),
            form_id=form_id or "suggest",
            compact=True,
        )
    done = "Queued to send now" if mode == "now" else "Queued"
    if htmx:
        return render(request, "_queued.html", item=item, done=done)
    return redirect_with(contact_path(username), f"{done}: “{item.message_text}”")


@router.post("/contacts/{username}/queue-next", response_class=HTMLResponse)
def queue_next(request: Request, session: DbSession, username: str) -> Response:
    """Queue the contact's top suggestion as it is (refused when a message to them is still open)."""
    try:
        queued = queue.add_next_best_action(session, username=username)
    except queue.OpenMessageExists as exc:
        return redirect_with(contact_path(username), str(exc), error=True)
    if request.headers.get("hx-request"):
        return render(request, "_queued.html", item=queued.item, done="Queued")
    return RedirectResponse(contact_path(username) + "?flash=Queued.", status_code=303)
