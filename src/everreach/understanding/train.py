"""Training: one softmax (multinomial logistic regression, numpy, full-batch Adam) per direction.

Inbound messages choose among the inbound intents, the fit signals and "none"; the owner's messages among the
outbound intents and "none". A fit signal is a friction the user named, so its phrases train the signal alone
and describes_friction's probability is its own plus every signal's (see classifier.py). Each class is
weighted to the same total, so a signal the user wrote three phrases for weighs as much as one with fifty.

A text's features are its embedding e divided by the length of e's projection p on the R main directions of
the training texts (close to e's own length, and cheap at classification time: R columns per word instead of
the model's 256), a negation flag, and p again when the text is negated (so "never" can flip what "forget to
follow up" means, within those R directions). The learnt weights are folded back to raw-embedding space, so
reading a message is a sum of per-word scores (see classifier.py).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from everreach.understanding.definitions import Definitions
from everreach.understanding.model import EmbeddingModel, split_many

_NEGATIONS_TEXT = """
not no never nothing nobody none nowhere without zero cant can't cannot dont don't doesnt doesn't didnt didn't
isnt isn't arent aren't wont won't wasnt wasn't havent haven't hasnt hasn't nope idk couldnt couldn't shouldnt
shouldn't wouldnt wouldn't nah
"""
NEGATIONS = frozenset(_NEGATIONS_TEXT.split())
STEPS = 100
L2 = 1e-3
LEARNING_RATE = 0.1
RANK = 32
BALANCE = 1.0  # 1: every class weighs the same in all; 0: every example does

F32 = NDArray[np.float32]


@dataclass(frozen=True)
class Weights:
    """Logits z = (s·scores + neg·(s·basis)·negated) / |s·basis| + neg·flag + bias for a text whose word
    vectors sum to s, neg its negation flag.

    Columns: one per class (definitions order), "none" of inbound, "none" of outbound, then "a problem" and
    "no problem": a two-way softmax over inbound messages, the fit signals' and describes_friction's phrases
    against everything else (many examples of each, so it tells "my plants are thriving" from a problem
    better than a signal learnt from its user's three phrases can: classifier.py caps such a signal with it).
    """

    scores: F32  # (dim, classes + 4)
    basis: F32  # (dim, RANK)
    negated: F32  # (RANK, classes + 4)
    flag: F32  # (classes + 4,)
    bias: F32  # (classes + 4,)
    inbound: NDArray[np.int64]  # the columns of the inbound softmax (its "none" last)
    outbound: NDArray[np.int64]  # the columns of the outbound softmax (its "none" last)
    problem: NDArray[np.int64]  # the columns of the problem softmax ("a problem" first)


# Everyday openers and closers: each example is learnt once more wrapped in one of them, so the chat around
# what a message says moves its embedding less (a mean of word vectors shifts with every extra word).
_OPENERS = ("honestly", "ok so", "tbh", "ugh", "haha", "hey", "so yeah", "omg", "real talk", "lol", "hmm", "btw")
_CLOSERS = ("lol", "haha", "tbh", "right now", "these days", "honestly", "to be fair", "at the moment", "😅", "!!")


def _padded(text: str) -> str:
    """The text with an opener before it or a closer after it, chosen by the text alone (not its position)."""
    k = zlib.crc32(text.encode())
    return f"{text} {_CLOSERS[(k // 7) % len(_CLOSERS)]}" if k % 2 else f"{_OPENERS[k % len(_OPENERS)]} {text}"


def _basis(embedded: F32) -> F32:
    """The RANK main directions (uncentred) of the training texts' unit embeddings."""
    unit = embedded / (np.linalg.norm(embedded, axis=1, keepdims=True) + 1e-9)
    values, vectors = np.linalg.eigh(unit.T.astype(np.float64) @ unit)
    return np.ascontiguousarray(vectors[:, np.argsort(-values)[:RANK]], dtype=np.float32)


def _softmax(z: F32) -> F32:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)  # type: ignore[no-any-return]


def _fit_softmax(x: F32, labels: NDArray[np.int64], k: int) -> tuple[F32, F32]:
    """Weights (d, k) and bias (k,) of a class-balanced softmax over standardised features."""
    d = x.shape[1]
    onehot = np.eye(k, dtype=np.float32)[labels]
    counts = np.bincount(labels, minlength=k).astype(np.float32)
    sample = ((counts.sum() / k / np.maximum(counts, 1.0)) ** BALANCE)[labels].astype(np.float32)
    sample /= sample.sum()
    w = np.zeros((d, k), dtype=np.float32)
    b = np.zeros(k, dtype=np.float32)
    m_w, v_w, m_b, v_b = np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)
    for step in range(1, STEPS + 1):
        g = sample[:, None] * (_softmax(x @ w + b) - onehot)
        for param, grad, m, v in ((w, x.T @ g + L2 * w, m_w, v_w), (b, g.sum(axis=0), m_b, v_b)):
            m *= 0.9
            m += 0.1 * grad
            v *= 0.999
            v += 0.001 * grad * grad
            param -= LEARNING_RATE * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return w, b


def fit(model: EmbeddingModel, definitions: Definitions) -> Weights:
    """Train the classifier on the definitions (well under a second)."""
    classes = definitions.classes
    c = len(classes)
    inbound = np.array([i for i, cls in enumerate(classes) if not cls.outbound] + [c], dtype=np.int64)
    outbound = np.array([i for i, cls in enumerate(classes) if cls.outbound] + [c + 1], dtype=np.int64)
    problem = np.array([c + 2, c + 3], dtype=np.int64)
    problems = {i for i, cls in enumerate(classes) if cls.kind == "fit_signal" or cls.key == "describes_friction"}
    groups: list[tuple[NDArray[np.int64], list[tuple[str, int]]]] = []
    for columns, is_out, none in (
        (inbound, False, definitions.none_inbound),
        (outbound, True, definitions.none_outbound),
    ):
        rows = [(t, i) for i, cls in enumerate(classes) if cls.outbound == is_out for t in cls.training]
        rows += [(t, c + int(is_out)) for t in none]
        groups.append((columns, rows + [(_padded(t), label) for t, label in rows]))
    groups.append((problem, [(t, c + 2 if label in problems else c + 3) for t, label in groups[0][1]]))
    everything = [t for _, rows in groups for t, _ in rows]
    embedded = model.embed(everything)
    basis = _basis(embedded)
    scores = np.zeros((model.dim, c + 4), dtype=np.float32)
    negated_scores = np.zeros((RANK, c + 4), dtype=np.float32)
    flag = np.zeros(c + 4, dtype=np.float32)
    bias = np.full(c + 4, -30.0, dtype=np.float32)  # a column outside a group never wins in it
    offset = 0
    for columns, rows in groups:
        e = embedded[offset : offset + len(rows)]
        offset += len(rows)
        unit = e / (np.linalg.norm(e @ basis, axis=1, keepdims=True) + 1e-9)
        neg = np.array([not NEGATIONS.isdisjoint(w) for w in split_many([t for t, _ in rows])], np.float32)[:, None]
        x = np.hstack([unit, neg, neg * (unit @ basis)])
        mean, std = x.mean(axis=0), x.std(axis=0) + 1e-6
        position = {int(col): j for j, col in enumerate(columns)}
        labels = np.array([position[col] for _, col in rows], dtype=np.int64)
        w, b = _fit_softmax(((x - mean) / std).astype(np.float32), labels, len(columns))
        folded = w / std[:, None]
        dim = model.dim
        scores[:, columns] = folded[:dim]
        flag[columns] = folded[dim]
        negated_scores[:, columns] = folded[dim + 1 :]
        bias[columns] = b - mean @ folded
    return Weights(scores, basis, negated_scores, flag, bias, inbound, outbound, problem)
