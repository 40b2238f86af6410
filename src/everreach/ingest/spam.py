"""Spam patterns: `spam_pattern` rows hold comma-separated phrases, matched case-insensitively in inbound text."""

from __future__ import annotations

import re
from collections.abc import Iterable


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
