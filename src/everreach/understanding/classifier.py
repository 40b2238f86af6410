"""The classifier: per-message intents and fit signals, the trained model OR'ed with the lexical matcher.

Classifying is vectorised: each distinct word's class scores (its summed token vectors times the weights) are
computed once and kept; a message's scores are the sums of its words' rows over its token count, plus the
negation terms. Identical texts in a batch are read once. An intent needs probability >= INTENT_THRESHOLD,
a fit signal >= SIGNAL_THRESHOLD (signals exclude each other: only the likeliest is kept). Fit signals
and inbound intents apply to inbound messages, outbound intents to the owner's own messages not sent by
automation; automated messages get nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from everreach.understanding.definitions import ClassDefinition, Definitions
from everreach.understanding.lexical import Matcher
from everreach.understanding.model import EmbeddingModel, words_of
from everreach.understanding.train import NEGATIONS, Weights, fit
from everreach.understanding.types import Match, MessageToRead

INTENT_THRESHOLD = 0.3
SIGNAL_THRESHOLD = 0.35
BATCH = 20_000
LEXICAL_NAME = "lexical"
LEXICAL_GATE = 0.05


class Classifier:
    """Recognises intents and fit signals in messages; built by get_classifier()."""

    def __init__(self, definitions: Definitions, model: EmbeddingModel | None, definitions_key: str) -> None:
        """Train on the definitions (model may be None: the lexical matcher alone)."""
        self.definitions = definitions
        self.definitions_key = definitions_key
        self.model = model
        self.classes = definitions.classes
        self._outbound = np.array([c.outbound for c in self.classes], dtype=bool)
        self._signal_cols = np.array([i for i, c in enumerate(self.classes) if c.kind == "fit_signal"], dtype=np.int64)
        self._thresholds = np.array(
            [SIGNAL_THRESHOLD if c.kind == "fit_signal" else INTENT_THRESHOLD for c in self.classes], dtype=np.float32
        )
        self._friction = next(
            (i for i, c in enumerate(self.classes) if c.kind == "intent" and c.key == "describes_friction"), None
        )
        # Without the model the lexical matcher covers intents too; beside the model, fit signals only.
        lexical_classes = [i for i, c in enumerate(self.classes) if model is None or c.kind == "fit_signal"]
        self.lexical = Matcher((str(i), p) for i in lexical_classes for p in self.classes[i].examples)
        self.weights: Weights | None = fit(model, definitions) if model is not None else None
        self._word_scores = np.zeros((0, 2 * len(self.classes)), dtype=np.float32)
        self._word_tokens = np.zeros(0, dtype=np.float32)
        self._vectors = np.zeros((0, model.dim if model is not None else 0), dtype=np.float32)
        self._prototypes: list[NDArray[np.float32]] = []
        if model is not None:
            for cls in self.classes:
                proto = model.embed(list(cls.examples))
                self._prototypes.append(proto / (np.linalg.norm(proto, axis=1, keepdims=True) + 1e-9))

    @property
    def source(self) -> str:
        """ "model" when the embedding model is loaded, else "lexical"."""
        return "model" if self.model is not None else LEXICAL_NAME

    def classify(self, messages: Sequence[MessageToRead]) -> list[tuple[Match, ...]]:
        """One tuple per message (same order): matches over the threshold, best first."""
        out: list[tuple[Match, ...]] = [() for _ in messages]
        wanted = [i for i, m in enumerate(messages) if not (m.is_outbound and m.automated)]
        for start in range(0, len(wanted), BATCH):
            chunk = wanted[start : start + BATCH]
            distinct: dict[tuple[str, bool], list[int]] = {}
            for i in chunk:
                distinct.setdefault((messages[i].text, messages[i].is_outbound), []).append(i)
            keys = list(distinct)
            results = self._classify_distinct(keys)
            for key, matches in zip(keys, results, strict=True):
                for i in distinct[key]:
                    out[i] = matches
        return out

    def probabilities(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """The model's probability of every class for each text (rows), before any direction rule."""
        return self._scores(texts)[0]

    def _scores(self, texts: Sequence[str]) -> tuple[NDArray[np.float32], NDArray[np.int64], NDArray[np.int64]]:
        """Probabilities, and the flat word ids of all texts with each text's end offset."""
        if self.model is None or self.weights is None:
            empty = np.zeros(len(texts), dtype=np.int64)
            return np.zeros((len(texts), len(self.classes)), dtype=np.float32), empty[:0], empty
        model, weights = self.model, self.weights
        index = model.word_index
        flat: list[int] = []
        ends: list[int] = []
        neg = np.zeros(len(texts), dtype=np.float32)
        for row, text in enumerate(texts):
            ws = words_of(text)
            ids = [index.get(w, -1) for w in ws]
            if -1 in ids:
                ids = model.word_ids(ws)
            flat.extend(ids)
            ends.append(len(flat))
            if not NEGATIONS.isdisjoint(ws):
                neg[row] = 1.0
        self._grow_word_scores()
        ids_array = np.asarray(flat, dtype=np.int64)
        end = np.asarray(ends, dtype=np.int64)
        starts = np.concatenate([[0], end[:-1]]) if len(end) else end
        nonempty = end > starts
        width = self._word_scores.shape[1]
        per_text = np.zeros((len(texts), width), dtype=np.float32)
        tokens = np.zeros(len(texts), dtype=np.float32)
        if ids_array.size:
            # reduceat sums each text's words; texts without words keep their zeros.
            per_text[nonempty] = np.add.reduceat(self._word_scores[ids_array], starts[nonempty], axis=0)
            tokens[nonempty] = np.add.reduceat(self._word_tokens[ids_array], starts[nonempty])
        ntok = np.maximum(tokens, 1.0)[:, None]
        c = len(self.classes)
        z = (per_text[:, :c] + neg[:, None] * per_text[:, c:]) / ntok + neg[:, None] * weights.flag + weights.bias
        return (1.0 / (1.0 + np.exp(-z))).astype(np.float32), ids_array, end

    def _grow_word_scores(self) -> None:
        assert self.model is not None
        assert self.weights is not None
        known = self._word_scores.shape[0]
        vectors = self.model.word_vectors
        if len(vectors) == known:
            return
        new = np.stack(vectors[known:])
        scores = np.hstack([new @ self.weights.plain, new @ self.weights.negated]).astype(np.float32)
        self._word_scores = np.vstack([self._word_scores, scores])
        self._vectors = np.vstack([self._vectors, new])
        self._word_tokens = np.concatenate(
            [self._word_tokens, np.asarray(self.model.word_tokens[known:], dtype=np.float32)]
        )

    def _classify_distinct(self, keys: list[tuple[str, bool]]) -> list[tuple[Match, ...]]:
        texts = [t for t, _ in keys]
        outbound = np.array([o for _, o in keys], dtype=bool)
        probs, flat, ends = self._scores(texts)
        allowed = outbound[:, None] == self._outbound[None, :]
        hits = (probs >= self._thresholds[None, :]) & allowed
        # Beside the model the lexical matcher reads only inbound messages the model finds near some signal:
        # cheaper by far, and on the held-out and lexical test sets no lexical match lies below LEXICAL_GATE.
        lexical_rows = ~outbound if self.model is not None else np.ones(len(keys), dtype=bool)
        if self.model is not None and self._signal_cols.size:
            lexical_rows &= probs[:, self._signal_cols].max(axis=1) >= LEXICAL_GATE
        # Fit signals exclude each other: a message names one pain, so only the likeliest signal is kept.
        if self._signal_cols.size:
            signal_probs = np.where(hits[:, self._signal_cols], probs[:, self._signal_cols], -1.0)
            best = self._signal_cols[np.argmax(signal_probs, axis=1)]
            keep = np.zeros_like(hits)
            keep[np.arange(len(keys)), best] = True
            hits[:, self._signal_cols] &= keep[:, self._signal_cols]
        results: list[tuple[Match, ...]] = []
        for row in range(len(keys)):
            text, is_out = keys[row]
            found: dict[int, tuple[float, str, str]] = {}
            for hit in np.flatnonzero(hits[row]):
                found[int(hit)] = (float(probs[row, hit]), "", "model")
            if lexical_rows[row]:
                for lex in self.lexical.match(text):
                    col: int = int(lex.signal)
                    if self._outbound[col] != is_out:
                        continue
                    prior = found.get(col)
                    if prior is None:
                        found[col] = (lex.similarity, lex.phrase, LEXICAL_NAME)
                    else:
                        found[col] = (max(prior[0], lex.similarity), lex.phrase, "both")
            if not is_out:
                self._friction_from_signals(found)
            if not found:
                results.append(())
                continue
            start = int(ends[row - 1]) if row else 0
            results.append(self._matches(found, flat[start : int(ends[row])] if len(ends) else flat))
        return results

    def _friction_from_signals(self, found: dict[int, tuple[float, str, str]]) -> None:
        # A fit signal is a friction the user named, so it counts as describes_friction too.
        if self._friction is None or self._friction in found:
            return
        signals = [found[i] for i in found if self.classes[i].kind == "fit_signal"]
        if signals:
            found[self._friction] = max(signals)

    def _matches(self, found: dict[int, tuple[float, str, str]], word_ids: NDArray[np.int64]) -> tuple[Match, ...]:
        vector: NDArray[np.float32] | None = None
        matches = []
        for col, (prob, phrase, source) in found.items():
            cls = self.classes[col]
            if not phrase:
                if vector is None:
                    vector = self._vectors[word_ids].sum(axis=0) if len(word_ids) else np.zeros(0, np.float32)
                phrase = self._nearest(cls, col, vector)
            matches.append(Match(cls.kind, cls.key, cls.product, round(prob, 4), phrase, source))
        matches.sort(key=lambda m: (-m.probability, m.kind, m.key))
        return tuple(matches)

    def _nearest(self, cls: ClassDefinition, col: int, vector: NDArray[np.float32]) -> str:
        # The argmax of cosine similarity does not depend on the message vector's length: no normalising.
        if not self._prototypes or not vector.size:
            return cls.description
        return cls.examples[int(np.argmax(self._prototypes[col] @ vector))]
