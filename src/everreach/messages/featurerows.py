"""Reading messages into their stored features: the one computation every writer and the rebuild share.

Text features come from `messages/features.py`, intents and fit signals from one batch call of the
classifier. Automated sends are not classified (they carry no intent of the owner); fit signals are stored as
"product/key". Intents and signals are stored sorted, so the same message always gives the same row.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from everreach.messages.features import excerpt, is_meaningful, text_features
from everreach.understanding import Classifier, MessageToRead


@dataclass(frozen=True, slots=True)
class MessageToStore:
    """A written message as its features need it."""

    id: uuid.UUID
    contact_id: uuid.UUID
    sent_at: datetime
    text: str
    message_type: str
    is_outbound: bool
    automated: bool


class Features(NamedTuple):
    """The computed columns of one message_features row (everything but ids, time, direction, model_key)."""

    automated: bool
    meaningful: bool
    length: int
    question: bool
    self_disclosure: bool
    emotion: bool
    intents: list[str]
    fit_signals: list[str]
    excerpt: str


def read_features(
    classifier: Classifier,
    *,
    texts: Sequence[str],
    outbound: Sequence[bool],
    automated: Sequence[bool],
    types: Sequence[str | None],
) -> list[Features]:
    """The features of a batch of messages (same order), with one classify call for the whole batch."""
    found = text_features(texts)
    wanted = [i for i, auto in enumerate(automated) if not auto]
    matches = classifier.classify([MessageToRead(texts[i], outbound[i], False) for i in wanted]) if wanted else []
    intents: list[list[str]] = [[] for _ in texts]
    signals: list[list[str]] = [[] for _ in texts]
    for i, found_matches in zip(wanted, matches, strict=True):
        if not found_matches:
            continue
        intents[i] = sorted({m.key for m in found_matches if m.kind == "intent"})
        signals[i] = sorted({f"{m.product}/{m.key}" for m in found_matches if m.kind == "fit_signal"})
    return [
        Features(
            automated=bool(automated[i]),
            meaningful=is_meaningful(
                filler=found.filler[i], automated=bool(automated[i]), message_type=types[i] or "text"
            ),
            length=found.length[i],
            question=found.question[i],
            self_disclosure=found.self_disclosure[i],
            emotion=found.emotion[i],
            intents=intents[i],
            fit_signals=signals[i],
            excerpt=excerpt(texts[i]),
        )
        for i in range(len(texts))
    ]


def feature_dicts(classifier: Classifier, messages: Sequence[MessageToStore]) -> list[dict[str, object]]:
    """message_features rows (column name to value) for these messages."""
    computed = read_features(
        classifier,
        texts=[m.text for m in messages],
        outbound=[m.is_outbound for m in messages],
        automated=[m.automated for m in messages],
        types=[m.message_type for m in messages],
    )
    key = classifier.definitions_key
    return [
        {
            "message_id": m.id,
            "contact_id": m.contact_id,
            "sent_at": m.sent_at,
            "is_outbound": m.is_outbound,
            **f._asdict(),
            "model_key": key,
        }
        for m, f in zip(messages, computed, strict=True)
    ]
