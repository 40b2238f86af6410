"""Public service API of the relationship engine: recompute, and record what the user knows about a contact.

Every function takes the session first and the rest keyword-only, never commits, and (for the recording ones)
recomputes that contact right away and returns its fresh health. Unknown usernames raise NotFoundError;
refused input raises ValidationError.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from everreach.contacts.lookup import get_contact
from everreach.db.models import Contact, RelationshipEvent, StageChange
from everreach.errors import ValidationError
from everreach.relationship import clock
from everreach.relationship.contact_view import health, health_of
from everreach.relationship.recompute import recompute, recompute_one
from everreach.relationship.records import PURCHASE
from everreach.relationship.rules.components import CONSENT_POINTS, LOGGED_TRUST_KINDS, VALUE_KINDS
from everreach.relationship.rules.inputs import CONTEXT_FIELDS
from everreach.relationship.rules.lanes import TEMPLATE_USED
from everreach.relationship.rules.stages import STAGES, stage_index
from everreach.relationship.schemas import Health, RecomputeReport

CONSENT_KINDS = tuple(CONSENT_POINTS)
TRUST_KINDS = LOGGED_TRUST_KINDS


def recompute_all(session: Session, *, now: datetime | None = None, rescan: bool = False) -> RecomputeReport:
    """Recompute every contact's components, score, stage, lane, cadence and fit-signal summary.

    `rescan`: match every inbound message against the fit signals again (fit_signal_matches rebuilt).
    """
    if rescan:
        from everreach.relationship.fitscan import detect_fit_signals

        added = detect_fit_signals(session, rescan=True)
        report = recompute(session, now=now, scan=False)
        return report.model_copy(update={"new_fit_matches": added})
    return recompute(session, now=now)


def recompute_contact(session: Session, *, contact_id: uuid.UUID, now: datetime | None = None) -> RecomputeReport:
    """Recompute one contact (its fit-signal matches are taken as they are)."""
    return recompute(session, now=now, ids=[contact_id], scan=False)


def _refresh(session: Session, contact: Contact, now: datetime | None) -> Health:
    """Recompute the contact after a change and return its health, from the same standing (one read)."""
    now = now or clock.utcnow()
    # Read before the recompute, which expires every loaded row: reading them after would load the row again.
    username, display_name = contact.instagram_username, contact.display_name
    assessed = recompute_one(session, contact.id, now=now)
    if assessed is None:  # deleted meanwhile: the lookup says so in the user's words
        return health(session, username=username, now=now)
    return health_of(username, display_name, assessed.standing, now=now)


def update_context_card(
    session: Session, *, username: str, now: datetime | None = None, **fields: str | None
) -> Health:
    """Set context-card fields (what_theyre_building, current_friction, ...); an empty value clears one."""
    unknown = sorted(set(fields) - set(CONTEXT_FIELDS))
    if unknown:
        raise ValidationError(f"unknown context field(s) {', '.join(unknown)}; known: {', '.join(CONTEXT_FIELDS)}")
    contact = get_contact(session, username=username)
    for name, value in fields.items():
        setattr(contact, name, (value or "").strip() or None)
    return _refresh(session, contact, now)


def _append(contact: Contact, column: str, entry: dict[str, Any]) -> None:
    # A new list, so the JSON column is seen as changed.
    setattr(contact, column, [*(getattr(contact, column) or []), entry])


def _entry(kind: str, note: str, now: datetime | None) -> dict[str, Any]:
    return {"kind": kind, "note": note.strip(), "at": (now or clock.utcnow()).isoformat()}


def record_value(session: Session, *, username: str, kind: str, note: str, now: datetime | None = None) -> Health:
    """Log value delivered (kind: link, intro, template, feedback or resource)."""
    if kind not in VALUE_KINDS:
        raise ValidationError(f"value kind must be one of {', '.join(VALUE_KINDS)}, not {kind!r}")
    contact = get_contact(session, username=username)
    _append(contact, "value_delivered_log", _entry(kind, note, now))
    return _refresh(session, contact, now)


def record_promise(session: Session, *, username: str, note: str, now: datetime | None = None) -> Health:
    """Log a promise made to the contact (reliability counts promises kept against these)."""
    contact = get_contact(session, username=username)
    _append(contact, "value_delivered_log", _entry("promise", note, now))
    return _refresh(session, contact, now)


def record_promise_kept(session: Session, *, username: str, note: str, now: datetime | None = None) -> Health:
    """Log a promise kept."""
    contact = get_contact(session, username=username)
    _append(contact, "value_delivered_log", _entry("promise_kept", note, now))
    return _refresh(session, contact, now)


def record_trust_signal(
    session: Session, *, username: str, kind: str, note: str, now: datetime | None = None
) -> Health:
    """Log a trust signal (asks_opinion, refers_others or shares_updates)."""
    if kind not in TRUST_KINDS:
        raise ValidationError(f"trust kind must be one of {', '.join(TRUST_KINDS)}, not {kind!r}")
    contact = get_contact(session, username=username)
    _append(contact, "trust_signals", _entry(kind, note, now))
    return _refresh(session, contact, now)


def _event(
    session: Session, contact: Contact, kind: str, detail: str | None, meta: dict[str, Any], now: datetime | None
) -> None:
    session.add(
        RelationshipEvent(
            contact_id=contact.id, kind=kind, detail=detail, metadata_=meta, occurred_at=now or clock.utcnow()
        )
    )


def _move_up(session: Session, contact: Contact, stage: str, reason: str, source: str, now: datetime | None) -> None:
    """Move to `stage` when it is ahead of the current one (events never move a contact back)."""
    if stage_index(contact.relationship_stage) >= STAGES.index(stage):
        return
    session.add(
        StageChange(
            contact_id=contact.id,
            from_stage=contact.relationship_stage,
            to_stage=stage,
            reason=reason,
            source=source,
            changed_at=now or clock.utcnow(),
        )
    )
    contact.relationship_stage = stage


def record_consent(session: Session, *, username: str, kind: str, note: str, now: datetime | None = None) -> Health:
    """Log a consent event: consent_opt_in, consent_asked_for_help or consent_offer_yes (short forms accepted).

    A yes to an offer moves the contact to permissioned_offer (unless already past it).
    """
    full = kind if kind.startswith("consent_") else f"consent_{kind}"
    if full not in CONSENT_KINDS:
        raise ValidationError(f"consent kind must be one of {', '.join(CONSENT_KINDS)}, not {kind!r}")
    contact = get_contact(session, username=username)
    _event(session, contact, full, note.strip() or None, {}, now)
    if full == "consent_offer_yes":
        _move_up(session, contact, "permissioned_offer", "said yes to an offer", "event", now)
    return _refresh(session, contact, now)


def record_purchase(
    session: Session, *, username: str, product: str, note: str = "", now: datetime | None = None
) -> Health:
    """Log a purchase; the contact moves to post_win."""
    if not product.strip():
        raise ValidationError("product must not be empty")
    contact = get_contact(session, username=username)
    _event(session, contact, PURCHASE, product.strip(), {"note": note.strip()} if note.strip() else {}, now)
    _move_up(session, contact, "post_win", f"purchased {product.strip()}", "event", now)
    return _refresh(session, contact, now)


def set_stage(session: Session, *, username: str, stage: str, reason: str, now: datetime | None = None) -> Health:
    """Set the stage by hand (any stage, backwards too); recorded with source 'user'.

    A stage set backwards stays put: automatic advance is off for the contact until its stage next changes
    forwards (by the user or by an event). A stage set forwards keeps advancing automatically from there.
    """
    if stage not in STAGES:
        raise ValidationError(f"stage must be one of {', '.join(STAGES)}, not {stage!r}")
    contact = get_contact(session, username=username)
    if contact.relationship_stage != stage:
        session.add(
            StageChange(
                contact_id=contact.id,
                from_stage=contact.relationship_stage,
                to_stage=stage,
                reason=reason.strip() or "set by hand",
                source="user",
                changed_at=now or clock.utcnow(),
            )
        )
        contact.relationship_stage = stage
    return _refresh(session, contact, now)


def record_template_used(
    session: Session, *, username: str, lane: str, action_key: str, now: datetime | None = None
) -> Health:
    """Record that a template was used with the contact (it is not suggested again for 30 days)."""
    contact = get_contact(session, username=username)
    meta = {"lane": lane, "action_key": action_key}
    _event(session, contact, TEMPLATE_USED, f"{lane}/{action_key}", meta, now)
    return _refresh(session, contact, now)
