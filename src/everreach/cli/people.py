"""Names beside handles: the display names of contacts a command shows only by username."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from everreach.cli.humanise import person
from everreach.db.models import Contact


def labels(session: Session, usernames: Iterable[str]) -> dict[str, str]:
    """Each username as "Name (@handle)" (or "@handle" when the contact has no name), in one query."""
    wanted = sorted({u for u in usernames if u})
    names: dict[str, str | None] = {}
    for start in range(0, len(wanted), 500):  # stays under every engine's bound-parameter limit
        chunk = wanted[start : start + 500]
        stmt = select(Contact.instagram_username, Contact.display_name).where(Contact.instagram_username.in_(chunk))
        names.update({row[0]: row[1] for row in session.execute(stmt)})
    return {u: person(u, names.get(u)) for u in wanted}
