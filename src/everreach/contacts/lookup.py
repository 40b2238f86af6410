"""The one lookup of a contact, by username (any case, with or without '@') or by id."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from everreach.contacts.usernames import normalise_username
from everreach.db.models import Contact
from everreach.errors import NotFoundError, ValidationError


def get_contact(session: Session, *, username: str | None = None, contact_id: uuid.UUID | None = None) -> Contact:
    """The contact with this username or id (give one), or NotFoundError naming the handle."""
    if (username is None) == (contact_id is None):
        raise ValueError("give exactly one of username and contact_id")
    if contact_id is not None:
        found = session.get(Contact, contact_id)
        if found is None:
            raise NotFoundError(f"unknown contact with id {contact_id}")
        return found
    assert username is not None
    name = normalise_username(username)
    if not name:
        raise ValidationError("username is empty")
    contact = session.scalar(select(Contact).where(Contact.instagram_username == name))
    if contact is None:
        raise NotFoundError(f"unknown contact @{name}: import their messages first or check the spelling")
    return contact
