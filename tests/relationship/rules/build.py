"""Small keyword-only factories for the v2 rule tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from everreach.relationship.rules.inputs import MessageFacts

NOW = datetime(2025, 6, 15, 12, tzinfo=UTC)
_ids = itertools.count(1)


def ago(days: float) -> datetime:
    """NOW minus `days`."""
    return NOW - timedelta(days=days)


def msg(
    days: float,
    *,
    out: bool = False,
    text: str = "a real message here",
    intents: tuple[str, ...] = (),
    fits: tuple[str, ...] = (),
    question: bool | None = None,
    self_disclosure: bool = False,
    emotion: bool = False,
    automated: bool = False,
    meaningful: bool = True,
    length: int | None = None,
    id: str | None = None,
) -> MessageFacts:
    """A message `days` before NOW (question defaults to whether the text has a '?')."""
    return MessageFacts(
        id=id or f"m{next(_ids)}",
        sent_at=ago(days),
        is_outbound=out,
        automated=automated,
        meaningful=meaningful,
        length=len(text) if length is None else length,
        question=("?" in text) if question is None else question,
        self_disclosure=self_disclosure,
        emotion=emotion,
        intents=frozenset(intents),
        fit_signals=frozenset(fits),
        excerpt=text,
    )
