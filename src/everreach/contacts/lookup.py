"""The one lookup of a contact, by username (any case, with or without '@') or by id.

When no contact has the username, the error names the closest handles and display names ("did you mean"),
so the CLI, the API and the dashboard all offer the same suggestions.
"""

from __future__ import annotations

import uuid
from difflib import get_close_matches

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session

from everreach.contacts.usernames import normalise_username
from everreach.db.models import Contact
from everreach.errors import NotFoundError, ValidationError

#: At most this many suggestions, and this many candidate rows read to choose them from.
MAX_SUGGESTIONS = 3
MAX_CANDIDATES = 2000
#: The lookup by handle, built once (every contact page and change starts with it).
_BY_USERNAME = select(Contact).where(Contact.instagram_username == bindparam("username"))


class UnknownContactError(NotFoundError):
    """No contact has this username; `suggestions` holds the closest existing usernames, best first."""

    def __init__(self, username: str, suggestions: list[str]) -> None:
        """Build the message: the handle, what to do, and the suggestions if any."""
        self.username = username
        self.suggestions = suggestions
        hint = f" (did you mean {', '.join(f'@{s}' for s in suggestions)}?)" if suggestions else ""
        super().__init__(f"unknown contact @{username}: import their messages first or check the spelling{hint}")


def get_contact(session: Session, *, username: str | None = None, contact_id: uuid.UUID | None = None) -> Contact:
    """The contact with this username or id (give one), or NotFoundError naming the handle and close matches."""
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
    contact = session.scalar(_BY_USERNAME, {"username": name})
    if contact is None:
        raise UnknownContactError(name, suggest_usernames(session, name))
    return contact


def suggest_usernames(session: Session, typed: str, *, limit: int = MAX_SUGGESTIONS) -> list[str]:
    """Existing usernames close to `typed`: display names containing it first, then the nearest spellings.

    Candidates are narrowed in SQL (same first two or last three characters, or a display name containing the
    text) so the lookup stays quick at 100,000 contacts; difflib ranks them.
    """
    name = normalise_username(typed)
    if not name:
        return []
    lowered_name = func.lower(Contact.display_name)
    by_name = list(
        session.scalars(
            select(Contact.instagram_username)
            .where(lowered_name.contains(name, autoescape=True))
            .order_by(Contact.instagram_username)
            .limit(limit)
        )
    )
    spelled = or_(
        Contact.instagram_username.startswith(name[:2], autoescape=True),
        Contact.instagram_username.endswith(name[-3:], autoescape=True),
        lowered_name.startswith(name[:3], autoescape=True),
    )
    rows = session.execute(
        select(Contact.instagram_username, Contact.display_name).where(spelled).limit(MAX_CANDIDATES)
    )
    by_key: dict[str, str] = {}
    for candidate, display in rows:
        by_key.setdefault(candidate, candidate)
        if display:
            by_key.setdefault(display.lower(), candidate)
    close = [by_key[key] for key in get_close_matches(name, list(by_key), n=limit * 2, cutoff=0.6)]
    ordered = list(dict.fromkeys([*by_name, *close]))
    return ordered[:limit]
