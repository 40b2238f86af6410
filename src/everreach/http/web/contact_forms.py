"""The forms on a contact's page: context card, tags and notes, keep-in-touch, records, stage.

A refused form draws the contact page again (422) with the error beside its field and what was typed kept.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import Response

from everreach.errors import NotFoundError, ValidationError
from everreach.http import routes
from everreach.http.deps import DbSession
from everreach.http.web.humanise import stage_label
from everreach.http.web.links import contact_path, redirect_with
from everreach.http.web.people import render_contact
from everreach.relationship import contact_details, service
from everreach.relationship.schemas import Health

router = routes.router(include_in_schema=False)
Text = Annotated[str, Form(max_length=5000)]
OptText = Annotated[str | None, Form(max_length=5000)]
LongText = Annotated[str, Form(max_length=20_000)]


def _refused(
    request: Request, session: DbSession, username: str, field: str, exc: Exception, values: dict[str, str]
) -> Response:
    session.rollback()
    return render_contact(request, session, username, errors={field: str(exc)}, values=values, status_code=422)


@router.post("/contacts/{username}/context")
def save_context(
    request: Request,
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
        session,
        username=username,
        what_theyre_building=what_theyre_building,
        current_friction=current_friction,
        their_definition_of_win=their_definition_of_win,
        constraints=constraints,
        preferred_contact_style=preferred_contact_style,
    )
    return redirect_with(contact_path(username), f"Context card saved. Score is now {health.score}.")


@router.post("/contacts/{username}/details")
def save_details(
    request: Request, session: DbSession, username: str, tags: Text = "", notes: LongText = ""
) -> Response:
    """Save the contact's tags (comma-separated) and free notes."""
    try:
        contact_details.update_tags_and_notes(session, username=username, tags=tags, notes=notes)
    except ValidationError as exc:
        return _refused(request, session, username, "tags", exc, {"tags": tags, "notes": notes})
    return redirect_with(contact_path(username), "Tags and notes saved.")


@router.post("/contacts/{username}/keep-in-touch")
def save_keep_in_touch(request: Request, session: DbSession, username: str, days: Text = "") -> Response:
    """Set how often to be in touch (in days; empty clears it)."""
    try:
        value = int(days) if days.strip() else None
    except ValueError:
        return _refused(
            request, session, username, "days", ValidationError("give a whole number of days"), {"days": days}
        )
    try:
        planned = contact_details.set_keep_in_touch(session, username=username, days=value)
    except ValidationError as exc:
        return _refused(request, session, username, "days", exc, {"days": days})
    message = f"Keep in touch every {value} days." if value else "Keep-in-touch interval cleared."
    return redirect_with(contact_path(username), message if planned is None else message + " Next touch planned.")


@router.post("/contacts/{username}/record")
def record(
    request: Request, session: DbSession, username: str, what: Text, note: Text = "", kind: OptText = None
) -> Response:
    """Record value, a promise, a kept promise, a trust signal, consent or a purchase."""
    kind = (kind or "").strip()
    try:
        health = _record(session, username=username, what=what, kind=kind, note=note)
    except NotFoundError:
        raise
    except ValidationError as exc:
        return _refused(request, session, username, "kind", exc, {"what": what, "kind": kind, "note": note})
    return redirect_with(contact_path(username), f"Recorded. Score is now {health.score}.")


def _record(session: DbSession, *, username: str, what: str, kind: str, note: str) -> Health:
    if what == "value":
        return service.record_value(session, username=username, kind=kind, note=note)
    if what == "promise":
        return service.record_promise(session, username=username, note=note)
    if what == "promise_kept":
        return service.record_promise_kept(session, username=username, note=note)
    if what == "trust":
        return service.record_trust_signal(session, username=username, kind=kind, note=note)
    if what == "consent":
        return service.record_consent(session, username=username, kind=kind, note=note)
    if what == "purchase":
        return service.record_purchase(session, username=username, product=kind or note, note=note)
    raise ValidationError("choose what happened from the list")


@router.post("/contacts/{username}/stage")
def set_stage(request: Request, session: DbSession, username: str, stage: Text, reason: Text = "") -> Response:
    """Set the stage by hand."""
    try:
        service.set_stage(session, username=username, stage=stage, reason=reason or "set by hand")
    except ValidationError as exc:
        return _refused(request, session, username, "stage", exc, {"stage": stage, "reason": reason})
    return redirect_with(contact_path(username), f"Stage set to {stage_label(stage).lower()}.")


@router.post("/contacts/{username}/evidence/{item}")
def judge_evidence(request: Request, session: DbSession, username: str, item: str, verdict: Text) -> Response:
    """Dismiss or confirm one item read from the messages; the score updates at once."""
    from everreach.relationship.evidence import review, verdict_sentence

    try:
        found = review(session, username=username, ref=item, verdict=verdict)
    except ValidationError as exc:
        session.rollback()
        return redirect_with(contact_path(username) + "#evidence", str(exc), error=True)
    return redirect_with(contact_path(username) + "#evidence", verdict_sentence(found).capitalize() + ".")
