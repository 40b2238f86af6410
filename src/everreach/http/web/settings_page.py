"""Settings: reply templates, fit signals and automation patterns, editable.

A refused form draws the page again (422) with the error inside that form and what was typed kept; deactivating
a row answers with an Undo button that activates it again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any

import pydantic
from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response

from everreach.catalog import service as catalog
from everreach.catalog.schemas import (
    FitSignalCreate,
    FitSignalUpdate,
    PatternCreate,
    PatternUpdate,
    TemplateCreate,
    TemplateUpdate,
)
from everreach.db.models import LANES, PATTERN_TYPES
from everreach.errors import ValidationError
from everreach.http import routes
from everreach.http.deps import DbSession
from everreach.http.web.humanise import TEMPLATE_STAGE_LABELS, words
from everreach.http.web.links import redirect_with
from everreach.http.web.render import render

router = routes.router(include_in_schema=False)
Text = Annotated[str, Form(max_length=10_000)]
OptText = Annotated[str | None, Form(max_length=10_000)]
KINDS = {"templates": "Template", "fit-signals": "Fit signal", "patterns": "Pattern"}


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, session: DbSession) -> Response:
    """Templates, fit signals and patterns, editable."""
    return _page(request, session)


def _page(
    request: Request,
    session: DbSession,
    *,
    form: str = "",
    error: str = "",
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "settings.html",
        status_code=status_code,
        section="Settings",
        title="Settings",
        templates=catalog.list_templates(session),
        signals=catalog.list_fit_signals(session),
        patterns=catalog.list_patterns(session),
        lanes=LANES,
        pattern_types=PATTERN_TYPES,
        template_stages=TEMPLATE_STAGE_LABELS,
        form=form,
        error=error,
        values=values or {},
    )


def _message(exc: Exception) -> str:
    """A refusal in words: pydantic's field errors named by their label, EverReach's as they are."""
    if isinstance(exc, pydantic.ValidationError):
        first = exc.errors()[0]
        field = words(str(first["loc"][-1])) if first.get("loc") else "A field"
        return f"{field}: {str(first['msg']).rstrip('.').lower()}."
    return str(exc)


def _attempt(
    request: Request,
    session: DbSession,
    form: str,
    values: dict[str, str],
    action: Callable[[], Any],
    done: str,
    *,
    undo: str | None = None,
) -> Response:
    try:
        action()
    except (ValidationError, pydantic.ValidationError) as exc:
        session.rollback()
        return _page(request, session, form=form, error=_message(exc), values=values, status_code=422)
    return redirect_with(f"/settings#{form.split(':')[0]}", done, undo=undo)


@router.post("/settings/templates")
def settings_add_template(
    request: Request, session: DbSession, lane: Text, action_key: Text, action_text: Text, stage: OptText = None
) -> Response:
    """Add a template from the settings form."""
    values = {
        "lane": lane,
        "stage": stage or "any",
        "action_key": action_key.strip(),
        "action_text": action_text.strip(),
    }
    return _attempt(
        request,
        session,
        "templates:add",
        values,
        lambda: catalog.add_template(session, data=TemplateCreate.model_validate(values)),
        f"Template “{words(action_key.strip())}” added.",
    )


@router.post("/settings/templates/{template_id}")
def settings_edit_template(
    request: Request, session: DbSession, template_id: uuid.UUID, action_text: Text, stage: OptText = None
) -> Response:
    """Save a template's text and stage."""
    values = {"action_text": action_text.strip(), "stage": (stage or "").strip()}

    def save() -> object:
        data = TemplateUpdate(action_text=values["action_text"], stage=values["stage"] or None)
        return catalog.update_template(session, template_id=template_id, data=data)

    return _attempt(request, session, f"templates:{template_id.hex}", values, save, "Template saved.")


@router.post("/settings/{kind}/{row_id}/{action}")
def settings_toggle(session: DbSession, kind: str, row_id: uuid.UUID, action: str) -> Response:
    """Deactivate or activate a template, fit signal or pattern; deactivating offers an Undo."""
    if kind not in KINDS or action not in ("activate", "deactivate"):
        raise ValidationError("unknown settings action")
    active = action == "activate"
    if kind == "templates":
        catalog.update_template(session, template_id=row_id, data=TemplateUpdate(is_active=active))
    elif kind == "fit-signals":
        catalog.update_fit_signal(session, signal_id=row_id, data=FitSignalUpdate(is_active=active))
    else:
        catalog.update_pattern(session, pattern_id=row_id, data=PatternUpdate(is_active=active))
    undo = None if active else f"/settings/{kind}/{row_id.hex}/activate"
    return redirect_with(f"/settings#{kind}", f"{KINDS[kind]} {'activated' if active else 'deactivated'}.", undo=undo)


@router.post("/settings/fit-signals")
def settings_add_signal(
    request: Request,
    session: DbSession,
    product: Text,
    signal_key: Text,
    signal_description: Text,
    phrases: OptText = None,
    offer_template: OptText = None,
) -> Response:
    """Add a fit signal from the settings form."""
    values = {
        "product": product.strip(),
        "signal_key": signal_key.strip(),
        "signal_description": signal_description.strip(),
        "phrases": phrases or "",
        "offer_template": (offer_template or "").strip(),
    }

    def add() -> object:
        data = FitSignalCreate(
            product=values["product"],
            signal_key=values["signal_key"],
            signal_description=values["signal_description"],
            phrases=values["phrases"].splitlines(),
            offer_template=values["offer_template"] or None,
        )
        return catalog.add_fit_signal(session, data=data)

    return _attempt(
        request, session, "fit-signals:add", values, add, f"Fit signal “{words(values['signal_key'])}” added."
    )


@router.post("/settings/fit-signals/{signal_id}")
def settings_edit_signal(
    request: Request,
    session: DbSession,
    signal_id: uuid.UUID,
    signal_description: Text,
    phrases: OptText = None,
    offer_template: OptText = None,
) -> Response:
    """Save a fit signal's description, phrases and offer."""
    values = {
        "signal_description": signal_description.strip(),
        "phrases": phrases or "",
        "offer_template": (offer_template or "").strip(),
    }

    def save() -> object:
        data = FitSignalUpdate(
            signal_description=values["signal_description"],
            phrases=values["phrases"].splitlines(),
            offer_template=values["offer_template"] or None,
        )
        return catalog.update_fit_signal(session, signal_id=signal_id, data=data)

    return _attempt(request, session, f"fit-signals:{signal_id.hex}", values, save, "Fit signal saved.")


@router.post("/settings/patterns")
def settings_add_pattern(
    request: Request, session: DbSession, pattern_type: Text, pattern_key: Text, pattern_value: Text
) -> Response:
    """Add an automation pattern from the settings form."""
    values = {"pattern_type": pattern_type, "pattern_key": pattern_key.strip(), "pattern_value": pattern_value.strip()}
    return _attempt(
        request,
        session,
        "patterns:add",
        values,
        lambda: catalog.add_pattern(session, data=PatternCreate.model_validate(values)),
        f"Pattern “{words(values['pattern_key'])}” added.",
    )


@router.post("/settings/patterns/{pattern_id}")
def settings_edit_pattern(request: Request, session: DbSession, pattern_id: uuid.UUID, pattern_value: Text) -> Response:
    """Save a pattern's value."""
    values = {"pattern_value": pattern_value.strip()}
    return _attempt(
        request,
        session,
        f"patterns:{pattern_id.hex}",
        values,
        lambda: catalog.update_pattern(
            session, pattern_id=pattern_id, data=PatternUpdate(pattern_value=values["pattern_value"])
        ),
        "Pattern saved.",
    )
