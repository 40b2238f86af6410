"""Dashboard pages for running the system: outreach queue, pipeline, import, login (settings: settings_page)."""

from __future__ import annotations

import hmac
import uuid
from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from everreach.db.models import QUEUE_STATUSES
from everreach.http import routes
from everreach.http.deps import AppSettings, DbSession
from everreach.http.security import AUTH_COOKIE, login_cookie_value
from everreach.http.web.humanise import user_zone
from everreach.http.web.links import redirect_with
from everreach.http.web.render import render
from everreach.ingest.jobs import ImportJobs
from everreach.outreach import queue
from everreach.relationship.rules.stages import STAGES
from everreach.relationship.stage_weeks import stage_weeks
from everreach.relationship.stats import stats as totals

router = routes.router(include_in_schema=False)
Text = Annotated[str, Form(max_length=10_000)]
#: Queue rows shown at first (waiting ones first), and with "Show all".
QUEUE_SHOWN = 50
QUEUE_ALL = 1000


@router.get("/queue", response_class=HTMLResponse)
def queue_page(
    request: Request, session: DbSession, status: str | None = None,
    show_all: Annotated[bool, Query(alias="all")] = False,
) -> Response:  # fmt: skip
    """Queue rows (the next QUEUE_SHOWN, or up to QUEUE_ALL with ?all=1), their states, the next allowed send;
    cancel (after a confirm) and retry."""
    status = status if status in QUEUE_STATUSES else None
    shown = QUEUE_ALL if show_all else QUEUE_SHOWN
    listing = queue.list_queue(session, status=status, limit=shown)
    total = sum(listing.counts.values()) if status is None else listing.counts.get(status, 0)
    return render(
        request, "queue.html", section="Queue", title="Queue", listing=listing, status=status, zone=user_zone().key,
        total=total, more=total > len(listing.items) and not show_all,
    )  # fmt: skip


@router.post("/queue/{item_id}/cancel")
def queue_cancel(session: DbSession, item_id: uuid.UUID) -> Response:
    """Cancel a queue row (the page asks to confirm first)."""
    item = queue.cancel(session, item_id=item_id)
    return redirect_with("/queue", f"Cancelled the message to @{item.username}.")


@router.post("/queue/{item_id}/retry")
def queue_retry(session: DbSession, item_id: uuid.UUID) -> Response:
    """Put a failed row back to pending."""
    item = queue.retry(session, item_id=item_id)
    return redirect_with("/queue", f"The message to @{item.username} is back in the queue.")


@router.get("/pipeline", response_class=HTMLResponse)
def pipeline_page(request: Request, session: DbSession) -> Response:
    """Contacts per stage (each bar links to the contact list) and week by week, and the score histogram."""
    stats = totals(session)
    return render(
        request, "pipeline.html", section="Pipeline", title="Pipeline", stats=stats, stages=STAGES,
        weeks=stage_weeks(session), peak=max(stats.by_stage.values(), default=0) or 1,
    )  # fmt: skip


@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request, settings: AppSettings) -> Response:
    """Upload an export and watch the import progress."""
    jobs: ImportJobs = request.app.state.imports
    return render(
        request, "import.html", section="Import", title="Import", jobs=jobs.all(), max_upload_mb=settings.max_upload_mb
    )


@router.get("/import/jobs", response_class=HTMLResponse)
def import_jobs(request: Request) -> Response:
    """The progress fragment the import page polls."""
    jobs: ImportJobs = request.app.state.imports
    return render(request, "_import_jobs.html", jobs=jobs.all())


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: Annotated[str, Query(max_length=2000)] = "/") -> Response:
    """The access-token form (only needed when the server has an access token)."""
    return render(request, "login.html", title="Sign in", next=_safe_next(next))


@router.post("/login")
def login(request: Request, settings: AppSettings, token: Text, next: Text = "/") -> Response:
    """Check the token and set the login cookie."""
    expected = settings.access_token
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        return render(
            request,
            "login.html",
            status_code=401,
            title="Sign in",
            next=_safe_next(next),
            flash="That token is not right.",
            flash_error=True,
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(AUTH_COOKIE, login_cookie_value(expected), httponly=True, samesite="strict", path="/")
    return response


def _safe_next(target: str) -> str:
    """Only same-site paths: '/x' yes, '//evil' or 'https://evil' no."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"
