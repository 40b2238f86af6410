"""Reading messages into their stored features: the one computation every writer and the rebuild share.

Text features come from `messages/features.py`, intents and fit signals from one batch call of the
classifier over each message's own words (`words_to_read`: no stand-in, no system line). Automated sends are
not classified (they carry no intent of the owner); fit signals are stored as
"product/key". Intents and signals are stored sorted, so the same message always gives the same row.

A message's features depend only on its text, direction, automation and type, so a batch reads each distinct
message once, and a reader remembers recent ones across batches (DMs repeat: "haha", "sounds good"): a
bounded memo whose older half goes when full. It is the only memo on this path (the classifier is asked not to
keep its own), so a long import's memory stays flat.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import NamedTuple

from everreach.messages.features import excerpt, is_meaningful, text_features, words_to_read
from everreach.understanding import Classifier, MessageToRead

MEMO_SIZE = 10_000  # about 5 MB at most
#: Moves when a rule of the reading itself changes (what is classified, the text features), so that rows read
#: by the old rules are stale for `everreach features rebuild --stale` even with the same classifier.
READING_VERSION = 3
_Key = tuple[str, bool, bool, str]  # text, outbound, automated, message type


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
    intents: tuple[str, ...]
    fit_signals: tuple[str, ...]
    excerpt: str


def reading_key(classifier: Classifier) -> str:
    """The model_key of the rows this reading writes: the classifier's definitions and READING_VERSION."""
    return reading_key_of(classifier.definitions_key)


def reading_key_of(definitions_key: str) -> str:
    """The model_key of rows read with a classifier of these definitions (see `reading_key`)."""
    return hashlib.sha256(f"{READING_VERSION}:{definitions_key}".encode()).hexdigest()[:16]


class FeatureReader:
    """Reads batches of messages with one classifier: one classify call per batch, repeated messages read once."""

    def __init__(self, classifier: Classifier, *, memo_size: int = MEMO_SIZE) -> None:
        """A reader over `classifier` (the rows' model_key is its `reading_key`)."""
        self.classifier = classifier
        self.model_key = reading_key(classifier)
        self.memo_size = memo_size
        self._memo: dict[_Key, Features] = {}
        self._json: dict[tuple[str, ...], str] = {(): "[]"}

    def read(
        self,
        *,
        texts: Sequence[str],
        outbound: Sequence[bool],
        automated: Sequence[bool],
        types: Sequence[str | None],
    ) -> list[Features]:
        """The features of each message (same order)."""
        keys: list[_Key] = [
            (texts[i], bool(outbound[i]), bool(automated[i]), types[i] or "text") for i in range(len(texts))
        ]
        memo = self._memo
        missing = list(dict.fromkeys(k for k in keys if k not in memo))
        if not missing:
            return [memo[k] for k in keys]
        fresh = dict(zip(missing, self._compute(missing), strict=True))
        found = [fresh[k] if k in fresh else memo[k] for k in keys]
        if len(memo) + len(fresh) > self.memo_size:
            for key in list(islice(memo, max(len(memo) // 2, len(memo) + len(fresh) - self.memo_size))):
                del memo[key]  # the older ones go
        memo.update(islice(fresh.items(), max(0, len(fresh) - self.memo_size), None))
        return found

    def json(self, keys: tuple[str, ...]) -> str:
        """A key list as stored JSON text (the few distinct lists encoded once)."""
        found = self._json.get(keys)
        if found is None:
            found = self._json[keys] = json.dumps(list(keys))
        return found

    def _compute(self, keys: Sequence[_Key]) -> list[Features]:
        texts = [k[0] for k in keys]
        found = text_features(texts)
        words = [words_to_read(t) for t in texts]
        wanted = [i for i, k in enumerate(keys) if not k[2] and words[i]]
        batch = [MessageToRead(words[i], keys[i][1], False) for i in wanted]
        matches = self.classifier.classify(batch, remember=False) if batch else []
        intents: list[tuple[str, ...]] = [()] * len(keys)
        signals: list[tuple[str, ...]] = [()] * len(keys)
        for i, hits in zip(wanted, matches, strict=True):
            if hits:
                intents[i] = tuple(sorted({m.key for m in hits if m.kind == "intent"}))
                signals[i] = tuple(sorted({f"{m.product}/{m.key}" for m in hits if m.kind == "fit_signal"}))
        return [
            Features(
                automated=k[2],
                meaningful=is_meaningful(filler=found.filler[i], automated=k[2], message_type=k[3]),
                length=found.length[i],
                question=found.question[i],
                self_disclosure=found.self_disclosure[i],
                emotion=found.emotion[i],
                intents=intents[i],
                fit_signals=signals[i],
                excerpt=excerpt(k[0]),
            )
            for i, k in enumerate(keys)
        ]

    def rows(self, messages: Sequence[MessageToStore]) -> list[dict[str, object]]:
        """message_features rows (column name to value) for these messages."""
        computed = self.read(
            texts=[m.text for m in messages],
            outbound=[m.is_outbound for m in messages],
            automated=[m.automated for m in messages],
            types=[m.message_type for m in messages],
        )
        return [
            {
                "message_id": m.id,
                "contact_id": m.contact_id,
                "sent_at": m.sent_at,
                "is_outbound": m.is_outbound,
                **f._asdict(),
                "intents": list(f.intents),
                "fit_signals": list(f.fit_signals),
                "model_key": self.model_key,
            }
            for m, f in zip(messages, computed, strict=True)
        ]
