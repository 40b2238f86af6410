"""The inputs of the v2 rules: small frozen records, built from stored features and the user's own records.

`MessageFacts` is one message as the message writer stored it (features and intents); the other records are
what the user logged by hand. Ids are strings (a message's UUID as text) so rules stay free of the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

CONTEXT_FIELDS = (
    "what_theyre_building",
    "current_friction",
    "their_definition_of_win",
    "constraints",
    "preferred_contact_style",
)


@dataclass(frozen=True, slots=True)
class MessageFacts:
    """One stored message: direction, time, non-intent features and the classifier's keys."""

    id: str
    sent_at: datetime
    is_outbound: bool
    automated: bool = False
    meaningful: bool = True
    length: int = 0
    question: bool = False
    self_disclosure: bool = False
    emotion: bool = False
    intents: frozenset[str] = frozenset()
    fit_signals: frozenset[str] = frozenset()  # "product/key" of each fit signal matched
    excerpt: str = ""

    @property
    def touch(self) -> bool:
        """A meaningful touch: meaningful, and never an automated send."""
        return self.meaningful and not self.automated

    @property
    def owner_written(self) -> bool:
        """The owner's own message, written by a person (the only kind with outbound intents)."""
        return self.is_outbound and not self.automated


@dataclass(frozen=True, slots=True)
class LoggedEntry:
    """One entry the user logged: a value delivered (link, intro, template, feedback, resource), a promise,
    a promise kept, or a trust signal (asks_opinion, refers_others, shares_updates)."""

    kind: str
    at: datetime | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """One relationship event the user logged: consent_*, purchase, or template_used (detail 'lane/key')."""

    kind: str
    at: datetime
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Template:
    """A next_best_actions row as the picker needs it."""

    lane: str
    stage: str | None
    action_key: str
    action_text: str
    metadata: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class UserRecords:
    """Everything the user recorded for one contact, and the state the rules must respect."""

    context: Mapping[str, str | None] = field(default_factory=dict)
    value_log: tuple[LoggedEntry, ...] = ()
    trust_log: tuple[LoggedEntry, ...] = ()
    events: tuple[LoggedEvent, ...] = ()
    dismissed: frozenset[str] = frozenset()  # evidence ids the user dismissed
    confirmed: frozenset[str] = frozenset()  # evidence ids the user confirmed
    keep_in_touch_days: float | None = None
    open_message: bool = False  # a message to them is pending, scheduled or sending
    stage: str | None = None
    pinned_at: datetime | None = None  # when the user last moved the stage back by hand (auto advance is off)

    def card_value(self, name: str) -> str:
        """A context-card field as the user filled it ('' when empty)."""
        return (self.context.get(name) or "").strip()
