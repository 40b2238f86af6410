"""The shapes every caller of message understanding sees (agreed in INTERFACE-understanding.md)."""

from __future__ import annotations

from dataclasses import dataclass

INBOUND_INTENTS: tuple[str, ...] = (
    "asks_opinion",
    "refers_someone",
    "asks_for_help",
    "says_yes",
    "shares_update",
    "describes_project",
    "describes_friction",
    "thanks",
)
OUTBOUND_INTENTS: tuple[str, ...] = ("promise", "delivers_value", "offer")


@dataclass(frozen=True, slots=True)
class SignalDefinition:
    """One fit signal, from fit_signals + fit_signal_phrases rows."""

    product: str
    key: str
    description: str
    phrases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MessageToRead:
    """One message to classify: its text, direction, and whether automation sent it."""

    text: str
    is_outbound: bool
    automated: bool = False


@dataclass(frozen=True, slots=True)
class Match:
    """An intent or fit signal recognised in a message, with its evidence."""

    kind: str  # "intent" or "fit_signal"
    key: str
    product: str | None
    probability: float
    nearest_phrase: str
    source: str  # "model", "lexical" or "both"
