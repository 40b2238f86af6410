"""Pydantic I/O shapes of the contacts domain."""

from __future__ import annotations

from pydantic import BaseModel, Field


class LinkIdentity(BaseModel):
    """The real username of a contact known by its Instagram-scoped id."""

    username: str = Field(min_length=1, max_length=100)
