"""Training: one-vs-rest logistic regression (numpy, full-batch Adam) over negation-aware sentence features.

A text's features are its mean embedding e, e again when the text holds a negation (so "never" can flip
what "forget to follow up" means for a class, which a mean of word vectors alone cannot), and the negation
flag itself. Every example phrase is a positive of its class and a negative of every other class; the "none"
phrases are negatives of all. Positives are weighted up to balance each class. The learnt weights are folded
back to raw-embedding space, so classifying is a sum of per-word scores (see classifier.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from everreach.understanding.definitions import Definitions
from everreach.understanding.model import EmbeddingModel, words_of

_NEGATIONS_TEXT = """
not no never nothing nobody none nowhere without zero cant can't cannot dont don't doesnt doesn't didnt didn't
isnt isn't arent aren't wont won't wasnt wasn't havent haven't hasnt hasn't nope idk couldnt couldn't shouldnt
shouldn't wouldnt wouldn't
"""
NEGATIONS = frozenset(_NEGATIONS_TEXT.split())
STEPS = 250
L2 = 1e-2
LEARNING_RATE = 0.05

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Weights:
    """Per-class weights in raw-embedding space: z = e·w_plain + neg·(e·w_negated + w_flag) + bias."""

    plain: NDArray[np.float32]  # (dim, classes)
    negated: NDArray[np.float32]  # (dim, classes)
    flag: NDArray[np.float32]  # (classes,)
    bias: NDArray[np.float32]  # (classes,)


def negated(text: str) -> bool:
    """Whether the text holds a negation word."""
    return any(w in NEGATIONS for w in words_of(text))


def features(model: EmbeddingModel, texts: list[str]) -> Array:
    """The training features [e, neg·e, neg] of each text."""
    emb = model.embed(texts).astype(np.float64)
    neg = np.array([negated(t) for t in texts], dtype=np.float64)[:, None]
    return np.hstack([emb, emb * neg, neg])


def training_set(definitions: Definitions) -> tuple[list[str], NDArray[np.float64], NDArray[np.bool_]]:
    """Texts, their multi-label targets (one column per class) and which classes each text trains.

    An example teaches only the classes of its own direction: "thank you" written by the owner is no
    evidence about the inbound thanks intent.
    """
    classes = definitions.classes
    friction = next((i for i, c in enumerate(classes) if c.key == "describes_friction" and c.kind == "intent"), None)
    texts: list[str] = []
    rows: list[list[int]] = []
    outbound: list[bool] = []
    for i, cls in enumerate(classes):
        for text in cls.training:
            texts.append(text)
            outbound.append(cls.outbound)
            # A fit signal is a friction the user named: its phrases teach describes_friction too.
            rows.append([i] if friction is None or cls.kind != "fit_signal" else [i, friction])
    for text in definitions.none_inbound:
        texts.append(text)
        rows.append([])
        outbound.append(False)
    for text in definitions.none_outbound:
        texts.append(text)
        rows.append([])
        outbound.append(True)
    targets = np.zeros((len(texts), len(classes)))
    for r, cols in enumerate(rows):
        targets[r, cols] = 1.0
    class_outbound = np.array([c.outbound for c in classes], dtype=bool)
    trains = np.array(outbound, dtype=bool)[:, None] == class_outbound[None, :]
    return texts, targets, trains


def fit(model: EmbeddingModel, definitions: Definitions) -> Weights:
    """Train the classifier on the definitions (about a second)."""
    texts, y, trains = training_set(definitions)
    x = features(model, texts)
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-6
    xs = ((x - mean) / std).astype(np.float32)
    y = y.astype(np.float32)
    n, d = xs.shape
    c = y.shape[1]
    positives = y.sum(axis=0)
    negatives = trains.sum(axis=0) - positives
    weight = (np.where(y > 0, np.sqrt(negatives / np.maximum(positives, 1)), 1.0) * trains).astype(np.float32)
    w = np.zeros((d, c), dtype=np.float32)
    b = np.zeros(c, dtype=np.float32)
    m_w, v_w, m_b, v_b = np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)
    for step in range(1, STEPS + 1):
        p = 1.0 / (1.0 + np.exp(-(xs @ w + b)))
        g = weight * (p - y) / n
        grad_w = xs.T @ g + L2 * w
        grad_b = g.sum(axis=0)
        for param, grad, m, v in ((w, grad_w, m_w, v_w), (b, grad_b, m_b, v_b)):
            m *= 0.9
            m += 0.1 * grad
            v *= 0.999
            v += 0.001 * grad * grad
            param -= LEARNING_RATE * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    folded = w.astype(np.float64) / std[:, None]
    bias = b - mean @ folded
    dim = model.dim
    return Weights(
        plain=folded[:dim].astype(np.float32),
        negated=folded[dim : 2 * dim].astype(np.float32),
        flag=folded[2 * dim].astype(np.float32),
        bias=bias.astype(np.float32),
    )
