"""Pydantic I/O shapes of messages: one message of a conversation, a search hit."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


class MessageRead(BaseModel):
    """One message of a conversation."""

    id: uuid.UUID
    text: str
    message_type: str | None
    is_outbound: bool
    sent_by_automation: bool
    sent_at: datetime | None
    reactions: list[str] = Field(default_factory=list)


class SearchHit(BaseModel):
    """A message that contains the query."""

    username: str
    text: str
    is_outbound: bool
    sent_at: datetime | None
