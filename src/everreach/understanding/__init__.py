"""Message understanding: intents and fit signals recognised per message by a packaged sentence model.

Model: WordLlama `l2_supercat` 256-dim static token embeddings (PyPI `wordllama`, MIT; the weights and the
tokenizer ship inside the wheel, read from its folder with no download, see model.py). Chosen because it is
the packaged model the issue names: small (about 19 MB), no network, load about 0.2 s.

Reading (classifier.py): a message is cut into sentences; each sentence, and the whole message when it has
several, goes through one softmax per direction (train.py: inbound intents + fit signals + "none", outbound
intents + "none"), trained at start-up on the definitions (data/*.toml and the signals' own phrases) in about
a second; a class's probability is its highest over the sentences. OR'ed with the lexical matcher
(lexical.py) on the messages the model finds near a signal without recognising one. A signal learnt only
from its user's few phrases is also capped by a "problem or not" softmax trained on every friction phrase.

Measured on the held-out set (tests/understanding/heldout.jsonl, 275 messages, committed before any training
phrase; 2026-12-04): fit signals micro F1 0.86, intents precision 0.82-1.00 and recall 0.82-1.00. The issue's
targets (0.95; each intent precision 0.90, recall 0.85) are not met: a mean of static word vectors with a
linear layer per direction, trained on about two and a half thousand example phrases, does not generalise to every
paraphrase, and a signal a user defines with four phrases is learnt from those alone. tests/understanding/
test_heldout.py holds the measured floors and keeps the targets as a strict expected failure.
"""

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
