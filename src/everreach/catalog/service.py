"""Settings the user edits: automation patterns, reply templates, fit signals (list, add, edit, deactivate)."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from everreach.catalog.schemas import (
    FitSignalCreate,
    FitSignalRead,
    FitSignalUpdate,
    PatternCreate,
    PatternUpdate,
    TemplateCreate,
    TemplateUpdate,
)
from everreach.db.models import AutomationPattern, FitSignal, FitSignalPhrase, NextBestAction
from everreach.errors import NotFoundError, ValidationError

T = TypeVar("T", AutomationPattern, NextBestAction, FitSignal)


def _get(session: Session, model: type[T], item_id: uuid.UUID, what: str) -> T:
    row = session.get(model, item_id)
    if row is None:
        raise NotFoundError(f"no {what} with id {item_id}")
    return row


def list_patterns(session: Session, *, pattern_type: str | None = None) -> list[AutomationPattern]:
    """Patterns, by type then key."""
    stmt = select(AutomationPattern).order_by(AutomationPattern.pattern_type, AutomationPattern.pattern_key)
    if pattern_type:
        stmt = stmt.where(AutomationPattern.pattern_type == pattern_type)
    return list(session.scalars(stmt))


def add_pattern(session: Session, *, data: PatternCreate) -> AutomationPattern:
    """Add a pattern; its (type, key) must be new."""
    clash = session.scalar(
        select(AutomationPattern.id).where(
            AutomationPattern.pattern_type == data.pattern_type, AutomationPattern.pattern_key == data.pattern_key
        )
    )
    if clash is not None:
        raise ValidationError(f"a {data.pattern_type} pattern with key {data.pattern_key!r} already exists")
    row = AutomationPattern(
        pattern_type=data.pattern_type,
        pattern_key=data.pattern_key,
        pattern_value=data.pattern_value,
        metadata_=data.metadata,
        is_active=True,
    )
    session.add(row)
    session.flush()
    return row


def update_pattern(session: Session, *, pattern_id: uuid.UUID, data: PatternUpdate) -> AutomationPattern:
    """Change a pattern's value, metadata or active flag."""
    row = _get(session, AutomationPattern, pattern_id, "pattern")
    _apply(row, data.model_dump(exclude_unset=True), rename={"metadata": "metadata_"})
    row.updated_at = func.now()
    session.flush()
    session.refresh(row)
    return row


def list_templates(session: Session, *, lane: str | None = None) -> list[NextBestAction]:
    """Templates, by lane, stage and key."""
    stmt = select(NextBestAction).order_by(NextBestAction.lane, NextBestAction.stage, NextBestAction.action_key)
    if lane:
        stmt = stmt.where(NextBestAction.lane == lane)
    return list(session.scalars(stmt))


def add_template(session: Session, *, data: TemplateCreate) -> NextBestAction:
    """Add a template; its (lane, key) must be new."""
    clash = session.scalar(
        select(NextBestAction.id).where(NextBestAction.lane == data.lane, NextBestAction.action_key == data.action_key)
    )
    if clash is not None:
        raise ValidationError(f"the {data.lane} lane already has a template {data.action_key!r}")
    row = NextBestAction(
        lane=data.lane, stage=data.stage, action_key=data.action_key, action_text=data.action_text, is_active=True
    )
    session.add(row)
    session.flush()
    return row


def update_template(session: Session, *, template_id: uuid.UUID, data: TemplateUpdate) -> NextBestAction:
    """Change a template's stage, text or active flag."""
    row = _get(session, NextBestAction, template_id, "template")
    _apply(row, data.model_dump(exclude_unset=True))
    session.flush()
    return row


def list_fit_signals(session: Session) -> list[FitSignalRead]:
    """Fit signals with their phrases, by product and key."""
    signals = session.scalars(select(FitSignal).order_by(FitSignal.product, FitSignal.signal_key)).all()
    phrases: dict[uuid.UUID, list[str]] = {}
    for sid, phrase in session.execute(
        select(FitSignalPhrase.fit_signal_id, FitSignalPhrase.phrase).order_by(FitSignalPhrase.phrase)
    ):
        phrases.setdefault(sid, []).append(phrase)
    return [_signal_read(s, phrases.get(s.id, [])) for s in signals]


def add_fit_signal(session: Session, *, data: FitSignalCreate) -> FitSignalRead:
    """Add a fit signal with its phrases; its (product, key) must be new."""
    clash = session.scalar(
        select(FitSignal.id).where(FitSignal.product == data.product, FitSignal.signal_key == data.signal_key)
    )
    if clash is not None:
        raise ValidationError(f"{data.product} already has a fit signal {data.signal_key!r}")
    row = FitSignal(
        product=data.product,
        signal_key=data.signal_key,
        signal_description=data.signal_description,
        offer_template=data.offer_template,
        is_active=True,
    )
    session.add(row)
    session.flush()
    phrases = _set_phrases(session, row.id, data.phrases)
    return _signal_read(row, phrases)


def update_fit_signal(session: Session, *, signal_id: uuid.UUID, data: FitSignalUpdate) -> FitSignalRead:
    """Change a fit signal's description, offer, active flag or phrases."""
    row = _get(session, FitSignal, signal_id, "fit signal")
    changes = data.model_dump(exclude_unset=True)
    new_phrases = changes.pop("phrases", None)
    _apply(row, changes)
    session.flush()
    if new_phrases is not None:
        phrases = _set_phrases(session, row.id, new_phrases)
    else:
        phrases = list(
            session.scalars(
                select(FitSignalPhrase.phrase)
                .where(FitSignalPhrase.fit_signal_id == row.id)
                .order_by(FitSignalPhrase.phrase)
            )
        )
    return _signal_read(row, phrases)


def _set_phrases(session: Session, signal_id: uuid.UUID, phrases: list[str]) -> list[str]:
    clean = sorted({p.strip() for p in phrases if p.strip()})
    for old in session.scalars(select(FitSignalPhrase).where(FitSignalPhrase.fit_signal_id == signal_id)):
        session.delete(old)
    session.flush()
    session.add_all(FitSignalPhrase(fit_signal_id=signal_id, phrase=p) for p in clean)
    session.flush()
    return clean


def _signal_read(row: FitSignal, phrases: list[str]) -> FitSignalRead:
    return FitSignalRead(
        id=row.id,
        product=row.product,
        signal_key=row.signal_key,
        signal_description=row.signal_description,
        offer_template=row.offer_template,
        is_active=row.is_active,
        phrases=phrases,
    )


def _apply(row: Any, changes: dict[str, Any], rename: dict[str, str] | None = None) -> None:
    for field, value in changes.items():
        if value is None and field in ("is_active", "pattern_value", "action_text", "signal_description"):
            continue  # these columns are required: an explicit null means "leave as is"
        setattr(row, (rename or {}).get(field, field), value)
