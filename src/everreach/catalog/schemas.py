"""Pydantic I/O shapes of the catalog: automation patterns, reply templates, fit signals."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

PatternType = Literal["known_handle", "selector", "skip_pattern", "spam_pattern"]
Lane = Literal["friendship", "service", "offer", "retention", "rewarm"]
Key = Field(min_length=1, max_length=200, pattern=r"^\S(.*\S)?$")


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)


class PatternRead(_Read):
    """An automation pattern (known handle, selector, skip or spam pattern)."""

    id: uuid.UUID
    pattern_type: str
    pattern_key: str
    pattern_value: str
    metadata: dict[str, Any] | None = Field(default=None, validation_alias="metadata_")
    is_active: bool | None
    created_at: datetime | None
    updated_at: datetime | None


class PatternCreate(BaseModel):
    """A new automation pattern."""

    pattern_type: PatternType
    pattern_key: str = Key
    pattern_value: str = Field(min_length=1, max_length=10_000)
    metadata: dict[str, Any] = Field(default_factory=dict)


class PatternUpdate(BaseModel):
    """Changes to a pattern (only the fields given)."""

    pattern_value: str | None = Field(default=None, min_length=1, max_length=10_000)
    metadata: dict[str, Any] | None = None
    is_active: bool | None = None


class TemplateRead(_Read):
    """A next-best-action template of a lane (and stage)."""

    id: uuid.UUID
    lane: str
    stage: str | None
    action_key: str
    action_text: str
    is_active: bool | None
    created_at: datetime | None


class TemplateCreate(BaseModel):
    """A new template; `___` marks a blank filled from the context card."""

    lane: Lane
    stage: str | None = Field(default="any", max_length=100)
    action_key: str = Key
    action_text: str = Field(min_length=1, max_length=2000)


class TemplateUpdate(BaseModel):
    """Changes to a template (only the fields given)."""

    stage: str | None = Field(default=None, max_length=100)
    action_text: str | None = Field(default=None, min_length=1, max_length=2000)
    is_active: bool | None = None


class FitSignalRead(_Read):
    """A fit signal with its extra trigger phrases."""

    id: uuid.UUID
    product: str
    signal_key: str
    signal_description: str
    offer_template: str | None
    is_active: bool | None
    phrases: list[str] = Field(default_factory=list)


class FitSignalCreate(BaseModel):
    """A new fit signal."""

    product: str = Key
    signal_key: str = Key
    signal_description: str = Field(min_length=1, max_length=2000)
    offer_template: str | None = Field(default=None, max_length=2000)
    phrases: list[str] = Field(default_factory=list, max_length=100)


class FitSignalUpdate(BaseModel):
    """Changes to a fit signal (only the fields given; `phrases` replaces the list)."""

    signal_description: str | None = Field(default=None, min_length=1, max_length=2000)
    offer_template: str | None = Field(default=None, max_length=2000)
    is_active: bool | None = None
    phrases: list[str] | None = Field(default=None, max_length=100)
