"""Dashboard pages for running the system: outreach queue, pipeline, import, settings, login."""

from __future__ import annotations

import hmac
import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from everreach.catalog import service as catalog
from everreach.catalog.schemas import (
    FitSignalCreate,
    FitSignalUpdate,
    PatternCreate,
    PatternType,
    PatternUpdate,
    TemplateCreate,
    TemplateUpdate,
)
from everreach.db.models import LANES, PATTERN_TYPES, QUEUE_STATUSES
from everreach.http.deps import AppSettings, DbSession
from everreach.http.security import AUTH_COOKIE, login_cookie_value
from everreach.http.web.render import render
from everreach.ingest.jobs import ImportJobs
from everreach.outreach import queue
from everreach.relationship.stats import stats as totals

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=10_000)]
OptText = Annotated[str | None, Form(max_length=10_000)]


def back(path: str, flash: str | None = None) -> RedirectResponse:
    """Redirect (303) to a page after a form post, with an optional message shown there."""
    return RedirectResponse(path + (f"?flash={quote(flash)}" if flash else ""), status_code=303)


@router.get("/queue", response_class=HTMLResponse)
def queue_page(request: Request, session: DbSession, status: str | None = None, flash: str | None = None) -> Response:
    """Queue rows, their states, the next allowed send; cancel and retry."""
    status = status if status in QUEUE_STATUSES else None
    listing = queue.list_queue(session, status=status, limit=200)
    return render(request, "queue.html", section="Queue", title="Queue", listing=listing, status=status, flash=flash)


@router.post("/queue/{item_id}/cancel")
def queue_cancel(session: DbSession, item_id: uuid.UUID) -> Response:
    """Cancel a queue row."""
    queue.cancel(session, item_id=item_id)
    return back("/queue", "Cancelled.")


@router.post("/queue/{item_id}/retry")
def queue_retry(session: DbSession, item_id: uuid.UUID) -> Response:
    """Put a failed row back to pending."""
    queue.retry(session, item_id=item_id)
    return back("/queue", "Back in the queue.")


@router.get("/pipeline", response_class=HTMLResponse)
def pipeline_page(request: Request, session: DbSession) -> Response:
    """Contacts per stage as a funnel and the score histogram."""
    stats = totals(session)
    rows = [(stage.replace("_", " "), n) for stage, n in stats.by_stage.items()]
    return render(request, "pipeline.html", section="Pipeline", title="Pipeline", stats=stats, stage_rows=rows)


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


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, session: DbSession, flash: str | None = None) -> Response:
    """Templates, fit signals and patterns, editable."""
    return render(
        request,
        "settings.html",
        section="Settings",
        title="Settings",
        flash=flash,
        templates=catalog.list_templates(session),
        signals=catalog.list_fit_signals(session),
        patterns=catalog.list_patterns(session),
        lanes=LANES,
        pattern_types=PATTERN_TYPES,
    )


@router.post("/settings/templates")
def settings_add_template(
    session: DbSession, lane: Text, action_key: Text, action_text: Text, stage: OptText = None
) -> Response:
    """Add a template from the settings form."""
    data = TemplateCreate.model_validate(
        {"lane": lane, "stage": stage or "any", "action_key": action_key.strip(), "action_text": action_text.strip()}
    )
    catalog.add_template(session, data=data)
    return back("/settings", f"Template {action_key} added.")


@router.post("/settings/templates/{template_id}")
def settings_edit_template(
    session: DbSession, template_id: uuid.UUID, action_text: Text, stage: OptText = None
) -> Response:
    """Save a template's text and stage."""
    data = TemplateUpdate(action_text=action_text.strip(), stage=(stage or "").strip() or None)
    catalog.update_template(session, template_id=template_id, data=data)
    return back("/settings", "Template saved.")


@router.post("/settings/templates/{template_id}/{action}")
def settings_toggle_template(session: DbSession, template_id: uuid.UUID, action: str) -> Response:
    """Deactivate or activate a template."""
    catalog.update_template(session, template_id=template_id, data=TemplateUpdate(is_active=action == "activate"))
    return back("/settings", f"Template {action}d.")


@router.post("/settings/fit-signals")
def settings_add_signal(
    session: DbSession,
    product: Text,
    signal_key: Text,
    signal_description: Text,
    phrases: OptText = None,
    offer_template: OptText = None,
) -> Response:
    """Add a fit signal from the settings form."""
    data = FitSignalCreate(
        product=product.strip(),
        signal_key=signal_key.strip(),
        signal_description=signal_description.strip(),
        phrases=(phrases or "").splitlines(),
        offer_template=(offer_template or "").strip() or None,
    )
    catalog.add_fit_signal(session, data=data)
    return back("/settings", f"Fit signal {signal_key} added.")


@router.post("/settings/fit-signals/{signal_id}")
def settings_edit_signal(
    session: DbSession,
    signal_id: uuid.UUID,
    signal_description: Text,
    phrases: OptText = None,
    offer_template: OptText = None,
) -> Response:
    """Save a fit signal's description, phrases and offer."""
    data = FitSignalUpdate(
        signal_description=signal_description.strip(),
        phrases=(phrases or "").splitlines(),
        offer_template=(offer_template or "").strip() or None,
    )
    catalog.update_fit_signal(session, signal_id=signal_id, data=data)
    return back("/settings", "Fit signal saved.")


@router.post("/settings/fit-signals/{signal_id}/{action}")
def settings_toggle_signal(session: DbSession, signal_id: uuid.UUID, action: str) -> Response:
    """Deactivate or activate a fit signal."""
    catalog.update_fit_signal(session, signal_id=signal_id, data=FitSignalUpdate(is_active=action == "activate"))
    return back("/settings", f"Fit signal {action}d.")


@router.post("/settings/patterns")
def settings_add_pattern(
    session: DbSession, pattern_type: Annotated[PatternType, Form()], pattern_key: Text, pattern_value: Text
) -> Response:
    """Add an automation pattern from the settings form."""
    data = PatternCreate(
        pattern_type=pattern_type, pattern_key=pattern_key.strip(), pattern_value=pattern_value.strip()
    )
    catalog.add_pattern(session, data=data)
    return back("/settings", f"Pattern {pattern_key} added.")


@router.post("/settings/patterns/{pattern_id}")
def settings_edit_pattern(session: DbSession, pattern_id: uuid.UUID, pattern_value: Text) -> Response:
    """Save a pattern's value."""
    catalog.update_pattern(session, pattern_id=pattern_id, data=PatternUpdate(pattern_value=pattern_value.strip()))
    return back("/settings", "Pattern saved.")


@router.post("/settings/patterns/{pattern_id}/{action}")
def settings_toggle_pattern(session: DbSession, pattern_id: uuid.UUID, action: str) -> Response:
    """Deactivate or activate a pattern."""
    catalog.update_pattern(session, pattern_id=pattern_id, data=PatternUpdate(is_active=action == "activate"))
    return back("/settings", f"Pattern {action}d.")


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
