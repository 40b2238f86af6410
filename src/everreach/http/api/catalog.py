"""Settings routes: automation patterns, reply templates, fit signals (list, add, edit, deactivate)."""

from __future__ import annotations

import uuid

from everreach.catalog import service as catalog
from everreach.catalog.schemas import (
    FitSignalCreate,
    FitSignalRead,
    FitSignalUpdate,
    Lane,
    PatternCreate,
    PatternRead,
    PatternType,
    PatternUpdate,
    TemplateCreate,
    TemplateRead,
    TemplateUpdate,
)
from everreach.http import routes
from everreach.http.deps import DbSession

router = routes.router(tags=["settings"])


@router.get("/patterns", response_model=list[PatternRead])
def list_patterns(session: DbSession, pattern_type: PatternType | None = None) -> list[PatternRead]:
    """Automation patterns (known handles, selectors, skip and spam patterns)."""
    return [PatternRead.model_validate(p) for p in catalog.list_patterns(session, pattern_type=pattern_type)]


@router.post("/patterns", response_model=PatternRead, status_code=201)
def add_pattern(session: DbSession, data: PatternCreate) -> PatternRead:
    """Add a pattern."""
    return PatternRead.model_validate(catalog.add_pattern(session, data=data))


@router.patch("/patterns/{pattern_id}", response_model=PatternRead)
def edit_pattern(session: DbSession, pattern_id: uuid.UUID, data: PatternUpdate) -> PatternRead:
    """Edit a pattern."""
    return PatternRead.model_validate(catalog.update_pattern(session, pattern_id=pattern_id, data=data))


@router.post("/patterns/{pattern_id}/deactivate", response_model=PatternRead)
def deactivate_pattern(session: DbSession, pattern_id: uuid.UUID) -> PatternRead:
    """Deactivate a pattern (kept, no longer applied)."""
    row = catalog.update_pattern(session, pattern_id=pattern_id, data=PatternUpdate(is_active=False))
    return PatternRead.model_validate(row)


@router.get("/templates", response_model=list[TemplateRead])
def list_templates(session: DbSession, lane: Lane | None = None) -> list[TemplateRead]:
    """Reply templates of every lane (or one)."""
    return [TemplateRead.model_validate(t) for t in catalog.list_templates(session, lane=lane)]


@router.post("/templates", response_model=TemplateRead, status_code=201)
def add_template(session: DbSession, data: TemplateCreate) -> TemplateRead:
    """Add a template."""
    return TemplateRead.model_validate(catalog.add_template(session, data=data))


@router.patch("/templates/{template_id}", response_model=TemplateRead)
def edit_template(session: DbSession, template_id: uuid.UUID, data: TemplateUpdate) -> TemplateRead:
    """Edit a template."""
    return TemplateRead.model_validate(catalog.update_template(session, template_id=template_id, data=data))


@router.post("/templates/{template_id}/deactivate", response_model=TemplateRead)
def deactivate_template(session: DbSession, template_id: uuid.UUID) -> TemplateRead:
    """Deactivate a template (never suggested again until reactivated)."""
    row = catalog.update_template(session, template_id=template_id, data=TemplateUpdate(is_active=False))
    return TemplateRead.model_validate(row)


@router.get("/settings/fit-signals", response_model=list[FitSignalRead])
def list_fit_signal_settings(session: DbSession) -> list[FitSignalRead]:
    """Fit signals with their trigger phrases (for editing)."""
    return catalog.list_fit_signals(session)


@router.post("/settings/fit-signals", response_model=FitSignalRead, status_code=201)
def add_fit_signal(session: DbSession, data: FitSignalCreate) -> FitSignalRead:
    """Add a fit signal."""
    return catalog.add_fit_signal(session, data=data)


@router.patch("/settings/fit-signals/{signal_id}", response_model=FitSignalRead)
def edit_fit_signal(session: DbSession, signal_id: uuid.UUID, data: FitSignalUpdate) -> FitSignalRead:
    """Edit a fit signal (its phrases are replaced when given)."""
    return catalog.update_fit_signal(session, signal_id=signal_id, data=data)


@router.post("/settings/fit-signals/{signal_id}/deactivate", response_model=FitSignalRead)
def deactivate_fit_signal(session: DbSession, signal_id: uuid.UUID) -> FitSignalRead:
    """Deactivate a fit signal."""
    return catalog.update_fit_signal(session, signal_id=signal_id, data=FitSignalUpdate(is_active=False))
