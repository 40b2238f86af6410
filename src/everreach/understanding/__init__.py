"""Message understanding: intents and fit signals recognised per message by a packaged sentence model."""

from __future__ import annotations

from everreach.understanding.classifier import Classifier
from everreach.understanding.service import get_classifier
from everreach.understanding.signals import classifier_for
from everreach.understanding.types import (
    INBOUND_INTENTS,
    OUTBOUND_INTENTS,
    Match,
    MessageToRead,
    SignalDefinition,
)

__all__ = [
    "INBOUND_INTENTS",
    "OUTBOUND_INTENTS",
    "Classifier",
    "Match",
    "MessageToRead",
    "SignalDefinition",
    "classifier_for",
    "get_classifier",
]
