"""Conversation, totals and identity routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Path, Query

from everreach.contacts.identity import link_username
from everreach.contacts.schemas import LinkIdentity
from everreach.http import routes
from everreach.http.deps import DbSession
from everreach.messages.reads import messages_of
from everreach.messages.schemas import MessageRead
from everreach.relationship.schemas import Stats
from everreach.relationship.stats import stats

router = routes.router()
Username = Annotated[str, Path(min_length=1, max_length=100)]


@router.get("/contacts/{username}/messages", response_model=list[MessageRead], tags=["contacts"])
def contact_messages(
    session: DbSession,
    username: Username,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before: datetime | None = None,
) -> list[MessageRead]:
    """A contact's messages, newest first; page back with `before`."""
    return messages_of(session, username=username, limit=limit, before=before)


@router.get("/stats", response_model=Stats, tags=["stats"])
def get_stats(session: DbSession) -> Stats:
    """Totals, contacts per stage, score histogram, queue states."""
    return stats(session)


@router.post("/identities/instagram/{igsid}", tags=["contacts"])
def link_instagram_identity(
    session: DbSession, igsid: Annotated[str, Path(min_length=1, max_length=200)], data: LinkIdentity
) -> dict[str, str]:
    """Give the contact known by an Instagram-scoped id its username (merging into an existing contact)."""
    contact = link_username(session, igsid=igsid, username=data.username)
    return {"username": contact.instagram_username}
