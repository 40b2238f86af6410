"""Training: one softmax (multinomial logistic regression, numpy, full-batch Adam) per direction.

Inbound messages choose among the inbound intents, the fit signals and "none"; the owner's messages among the
outbound intents and "none". A fit signal is a friction the user named, so its phrases train the signal alone
and describes_friction's probability is its own plus every signal's (see classifier.py). Each class is
weighted to a total of (its examples)^(1 - BALANCE), so a signal the user wrote four phrases for weighs
about half as much as one with fifty, and the many near-misses of "none" weigh more than any one signal.

A text's features are its embedding e divided by the length of e's projection p on the R main directions of
the training texts (close to e's own length, and cheap at classification time: R columns per word instead of
the model's 256), a negation flag, p again when the text is negated (so "never" can flip what "forget to
follow up" means, within those R directions), and a bag of the training words (each word's count divided by
the same length). The learnt weights are folded back to raw-embedding space and a training word's own scores
are added to its column, so reading a message is still a sum of per-word scores (see classifier.py).
"""

from __future__ import annotations

import zlib
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray

from everreach.understanding.definitions import ClassDefinition, Definitions
from everreach.understanding.model import BREAK_SYMBOLS, EmbeddingModel, product, readable, split_many

_NEGATIONS_TEXT = """
not no never nothing nobody none nowhere without zero cant can't cannot dont don't doesnt doesn't didnt didn't
isnt isn't arent aren't wont won't wasnt wasn't havent haven't hasnt hasn't nope idk couldnt couldn't shouldnt
shouldn't wouldnt wouldn't nah
"""
NEGATIONS = frozenset(_NEGATIONS_TEXT.split())
_NO_SCORE = BREAK_SYMBOLS  # never a word of a sentence
STEPS = 75  # as good as 100 on dev + validation, a quarter faster
L2 = 3e-3  # 1e-3 before 2026-12-04; with WORD_SCALE 5 chosen on dev, validation and validation2
LEARNING_RATE = 0.1
RANK = 32
BALANCE = 0.7  # 1: every class weighs the same in all; 0: every example does (chosen on dev + validation)
# Word features: every word seen in at least WORD_MIN training texts gets a learnt score per class of its own,
# beside the embedding's (a mean of static vectors blurs a keyword like "gym" or "podcast" among the words
# around it). Scaled by WORD_SCALE instead of standardised, so a rare word is not blown up.
WORD_MIN = 2
WORD_SCALE = 5.0  # was 3.0: keywords weigh more, and L2 keeps them from being learnt by heart
PROTOTYPE = 6.0  # chosen on dev, validation and fewshot_validation
PROTOTYPE_QUANTILE = 0.5

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
    words: dict[str, F32]  # a learnt score per class (classes + 4,) of each training word, to add to its column
    pairs: dict[tuple[str, str], F32]  # the same of a negation and the word right after it ("never", "forget")
    inbound: NDArray[np.int64]  # the columns of the inbound softmax (its "none" last)
    outbound: NDArray[np.int64]  # the columns of the outbound softmax (its "none" last)
    problem: NDArray[np.int64]  # the columns of the problem softmax ("a problem" first)


# Everyday openers and closers: each example is learnt once more wrapped in one of them, so the chat around
# what a message says moves its embedding less (a mean of word vectors shifts with every extra word).
_OPENERS = ("honestly", "ok so", "tbh", "ugh", "haha", "hey", "so yeah", "omg", "real talk", "lol", "hmm", "btw")
_CLOSERS = ("lol", "haha", "tbh", "right now", "these days", "honestly", "to be fair", "at the moment", "😅", "!!")


def _with_pairs(words: list[str]) -> list[str]:
    """The words, and "NEGATION WORD" for each word right after a negation: a feature of its own, so "never
    forget to follow up" can weigh otherwise than "never follow up" (the bag of words alone cannot)."""
    pairs = [f"{a} {b}" for a, b in pairwise(words) if a in NEGATIONS]
    return words + pairs if pairs else words


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


class _Sparse:
    """A sparse (rows x columns) matrix from its non-zero entries, ordered by row, for the two products training
    needs (numpy has no sparse matrices; a dense one of every word would make training ten times slower)."""

    def __init__(self, rows: NDArray[np.int64], cols: NDArray[np.int64], values: F32, shape: tuple[int, int]):
        self.shape = shape
        self._rows, self._cols, self._values = rows, cols, values[:, None]
        self._by_col = np.argsort(cols, kind="stable")
        self._rows_by_col, self._values_by_col = rows[self._by_col], values[self._by_col, None]
        self._row_starts, self._row_keys = self._starts(rows)
        self._col_starts, self._col_keys = self._starts(cols[self._by_col])

    @staticmethod
    def _starts(keys: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        starts = np.flatnonzero(np.diff(keys, prepend=-1))
        return starts, keys[starts]

    @staticmethod
    def _sums(products: F32, starts: NDArray[np.int64], keys: NDArray[np.int64], n: int) -> F32:
        out = np.zeros((n, products.shape[1]), dtype=np.float32)
        if starts.size:
            out[keys] = np.add.reduceat(products, starts, axis=0)
        return out

    def times(self, w: F32) -> F32:
        """self @ w."""
        return self._sums(w[self._cols] * self._values, self._row_starts, self._row_keys, self.shape[0])

    def transposed_times(self, g: F32) -> F32:
        """self.T @ g."""
        products = g[self._rows_by_col] * self._values_by_col
        return self._sums(products, self._col_starts, self._col_keys, self.shape[1])


def _fit_softmax(x: F32, bag: _Sparse, labels: NDArray[np.int64], k: int) -> tuple[F32, F32, F32]:
    """Weights of x (d, k), of the sparse word features (words, k) and bias (k,) of a class-balanced softmax."""
    d = x.shape[1]
    onehot = np.eye(k, dtype=np.float32)[labels]
    counts = np.bincount(labels, minlength=k).astype(np.float32)
    sample = ((counts.sum() / k / np.maximum(counts, 1.0)) ** BALANCE)[labels].astype(np.float32)
    sample /= sample.sum()
    w = np.zeros((d, k), dtype=np.float32)
    v = np.zeros((bag.shape[1], k), dtype=np.float32)
    b = np.zeros(k, dtype=np.float32)
    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in (w, v, b)]
    # Products in slices that OpenBLAS keeps to the calling thread (model.product): its worker threads, woken
    # for every product of every step, would wait on the sparse sums in between (twice slower on 2 cores).
    xt = np.ascontiguousarray(x.T)
    for step in range(1, STEPS + 1):
        g = sample[:, None] * (_softmax(product(x, w) + bag.times(v) + b) - onehot)
        grads = (product(xt, g) + L2 * w, bag.transposed_times(g) + L2 * v, g.sum(axis=0))
        for param, grad, (m, second) in zip((w, v, b), grads, moments, strict=True):
            m *= 0.9
            m += 0.1 * grad
            second *= 0.999
            second += 0.001 * grad * grad
            param -= LEARNING_RATE * (m / (1 - 0.9**step)) / (np.sqrt(second / (1 - 0.999**step)) + 1e-8)
    return w, v, b


def _prototypes(
    classes: tuple[ClassDefinition, ...],
    embedded: F32,
    rows: list[tuple[str, int]],
    basis: F32,
    scores: F32,
    bias: F32,
) -> None:
    """A signal learnt from its user's few phrases also scores its likeness to them: PROTOTYPE times the cosine
    of the text with its phrases' mean direction, less that of the average inbound training text (linear in the
    embedding as the rest: added to its column of scores and to its bias)."""
    if PROTOTYPE == 0.0:
        return
    unit = embedded / (np.linalg.norm(embedded @ basis, axis=1, keepdims=True) + 1e-9)
    labels = np.array([label for _, label in rows], dtype=np.int64)
    for col, cls in enumerate(classes):
        if cls.kind != "fit_signal" or cls.extra:
            continue
        own = embedded[labels == col]
        centre = (own / (np.linalg.norm(own, axis=1, keepdims=True) + 1e-9)).mean(axis=0)
        centre /= np.linalg.norm(centre) + 1e-9
        scores[:, col] += PROTOTYPE * centre
        bias[col] -= PROTOTYPE * float(np.quantile(unit @ centre, PROTOTYPE_QUANTILE))


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
    embedded, tokens = model.embed_with_counts(everything)
    words_of_text = [_with_pairs([w for w in ws if readable(w)]) for ws in split_many(everything)]
    texts_with = Counter(w for ws in words_of_text for w in set(ws))
    vocabulary = sorted(w for w, n in texts_with.items() if n >= WORD_MIN and w not in _NO_SCORE)
    code = {w: j for j, w in enumerate(vocabulary)}
    basis = _basis(embedded)
    scores = np.zeros((model.dim, c + 4), dtype=np.float32)
    word_scores = np.zeros((len(vocabulary), c + 4), dtype=np.float32)
    negated_scores = np.zeros((RANK, c + 4), dtype=np.float32)
    flag = np.zeros(c + 4, dtype=np.float32)
    bias = np.full(c + 4, -30.0, dtype=np.float32)  # a column outside a group never wins in it
    offset = 0
    for columns, rows in groups:
        e = embedded[offset : offset + len(rows)]
        entries = Counter(
            (r, code[w]) for r, ws in enumerate(words_of_text[offset : offset + len(rows)]) for w in ws if w in code
        )
        keys = sorted(entries)
        bag_rows = np.array([r for r, _ in keys], dtype=np.int64)
        bag_cols = np.array([j for _, j in keys], dtype=np.int64)
        n_tokens = tokens[offset : offset + len(rows), None]
        offset += len(rows)
        projected_norm = np.linalg.norm(e @ basis, axis=1, keepdims=True) + 1e-9
        unit = e / projected_norm
        # A word's score is added to the summed columns, divided by |sum of vectors · basis| as the rest is.
        length = (projected_norm * np.maximum(n_tokens, 1.0))[:, 0]
        neg = np.array([not NEGATIONS.isdisjoint(w) for w in split_many([t for t, _ in rows])], np.float32)[:, None]
        x = np.hstack([unit, neg, neg * (unit @ basis)])
        mean, std = x.mean(axis=0), x.std(axis=0) + 1e-6
        bag_scale = WORD_SCALE * float(np.median(length))
        # A word's feature: its count / |sum of vectors · basis| (as the classifier divides), times bag_scale.
        values = np.array([entries[key] for key in keys], dtype=np.float32) * bag_scale / length[bag_rows]
        bag = _Sparse(bag_rows, bag_cols, values.astype(np.float32), (len(rows), len(vocabulary)))
        position = {int(col): j for j, col in enumerate(columns)}
        labels = np.array([position[col] for _, col in rows], dtype=np.int64)
        w, v, b = _fit_softmax(((x - mean) / std).astype(np.float32), bag, labels, len(columns))
        folded = w / std[:, None]
        dim = model.dim
        scores[:, columns] = folded[:dim]
        flag[columns] = folded[dim]
        negated_scores[:, columns] = folded[dim + 1 :]
        word_scores[:, columns] = v * bag_scale
        bias[columns] = b - mean @ folded
    _prototypes(classes, embedded[: len(groups[0][1])], groups[0][1], basis, scores, bias)
    words = {word: word_scores[j] for j, word in enumerate(vocabulary) if " " not in word}
    pairs = {
        (word.partition(" ")[0], word.partition(" ")[2]): word_scores[j]
        for j, word in enumerate(vocabulary)
        if " " in word
    }
    return Weights(scores, basis, negated_scores, flag, bias, words, pairs, inbound, outbound, problem)
