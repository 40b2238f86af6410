"""The spam rule, in one place: the "spam" tag on a contact (in Python and as SQL), and the phrases that set it.

`spam_pattern` rows hold comma-separated phrases, matched case-insensitively in inbound text; a contact whose
inbound text matches one gets the tag. The SQL form is built from the same tag constant (TEXT[] on PostgreSQL,
a JSON list on SQLite), for the set-based reads; migration 0006's triggers hold a frozen copy of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol

from sqlalchemy import Boolean, ColumnElement, literal_column

SPAM_TAG = "spam"


class Tagged(Protocol):
    """Anything with a contact's tags (the ORM contact, the importer's contact state)."""

    tags: list[str] | None


def is_spam(contact: Tagged) -> bool:
    """A contact is flagged as spam when it carries the tag "spam"."""
    return SPAM_TAG in (contact.tags or [])


def with_spam_tag(tags: list[str] | None) -> list[str]:
    """The tags with "spam" added (a new list, so a JSON column is seen as changed)."""
    return [*(tags or []), SPAM_TAG]


def spam_sql(dialect: str) -> ColumnElement[bool]:
    """The SQL form of :func:`is_spam` on the instagram_contacts row (never NULL)."""
    table = "instagram_contacts"
    if dialect == "postgresql":
        return literal_column(f"coalesce({table}.tags @> ARRAY['{SPAM_TAG}'], false)", Boolean)
    # A LIKE on the JSON text first: cheap, and only the rare rows it lets through pay for json_each.
    return literal_column(
        f"(coalesce({table}.tags, '') LIKE '%\"{SPAM_TAG}\"%' AND json_valid({table}.tags) "
        f"AND EXISTS (SELECT 1 FROM json_each({table}.tags) WHERE value = '{SPAM_TAG}'))",
        Boolean,
    )


class SpamMatcher:
    """Matches any phrase of the given pattern values as a whole word or phrase, ignoring case."""

    def __init__(self, values: Iterable[str]) -> None:
        phrases = sorted(
            {p.strip().lower() for value in values for p in value.split(",") if p.strip()}, key=len, reverse=True
        )
        # Word edges keep "crypto" from matching inside "cryptography" yet let "invest now!" match.
        self._regex = (
            re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in phrases) + r")(?!\w)", re.IGNORECASE)
            if phrases
            else None
        )

    def __bool__(self) -> bool:
        """True when there is at least one phrase."""
        return self._regex is not None

    def match(self, text: str) -> str | None:
        """The phrase found in text, if any."""
        if self._regex is None:
            return None
        found = self._regex.search(text)
        return found.group(0).lower() if found else None

    def matches_any(self, texts: Iterable[str]) -> bool:
        """True when any text holds a phrase."""
        return self._regex is not None and any(self._regex.search(t) for t in texts)
