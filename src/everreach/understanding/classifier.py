"""The classifier: per-message intents and fit signals, the trained model OR'ed with the lexical matcher.

Reading is vectorised over a batch (reading.py): every token's logit and projection columns are computed once,
when the classifier is trained, and a word of several tokens gets its own column when first seen (a fixed-size
table: memory stays flat over a long import); a sentence's columns are the sums of its words'. Each sentence of
a message, and the whole message when it has several, goes through its direction's softmax (train.py); a
class's probability in the message is its highest over those. describes_friction's probability is its own plus
every fit signal's (a signal is a friction the user named); a signal learnt only from its user's few phrases is
capped by the "a problem" softmax (train.Weights), and given at least P(a problem) times its share of a softmax
over the signals alone. A class is recognised at probability >= its threshold; signals
exclude each other (only the likeliest is kept). Identical texts in a batch are read once. Fit signals and
inbound intents apply to inbound messages, outbound intents to the owner's own messages not sent by
automation; automated messages get nothing.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from itertools import islice, repeat

import numpy as np
from numpy.typing import NDArray

from everreach.understanding.definitions import Definitions
from everreach.understanding.lexical import Matcher
from everreach.understanding.model import EmbeddingModel, product
from everreach.understanding.reading import Reader, Reading
from everreach.understanding.train import NEGATIONS, RANK, Weights, fit
from everreach.understanding.types import Match, MessageToRead

INTENT_THRESHOLD = 0.5
SIGNAL_THRESHOLD = 0.4
BATCH = 10_000
# Texts whose matches are kept for the next batches (DMs repeat: "thanks!", "sounds good"): at most MEMO_SIZE
# (as long as BATCH is at most half of it) of at most MEMO_TEXT characters; about 330 bytes an entry.
MEMO_SIZE = 100_000
MEMO_TEXT = 200
_NOTHING = ("", True)  # an empty message of the owner: never matches anything
LEXICAL_NAME = "lexical"
LEXICAL_GATE = 0.005
PROBLEM_SCALE = 2.0  # a few-shot signal's probability is at most twice that of "a problem"

F32 = NDArray[np.float32]
F64 = NDArray[np.float64]
Lexical = dict[int, list[tuple[int, float, str]]]


class Classifier:
    """Recognises intents and fit signals in messages; built by get_classifier()."""

    def __init__(self, definitions: Definitions, model: EmbeddingModel | None, definitions_key: str) -> None:
        """Train on the definitions (model may be None: the lexical matcher alone)."""
        self.definitions = definitions
        self.definitions_key = definitions_key
        self.model = model
        self.classes = definitions.classes
        self._outbound = np.array([cls.outbound for cls in self.classes], dtype=bool)
        self._heads = [(cls.kind, cls.key, cls.product) for cls in self.classes]
        self._memo: dict[tuple[str, bool], tuple[Match, ...]] = {}
        # Signals learnt from their own few phrases only (no packaged extra phrases): the problem gate applies.
        few_shot = [i for i, cl in enumerate(self.classes) if cl.kind == "fit_signal" and not cl.extra]
        self._few_shot = np.array(few_shot, dtype=np.int64)
        self._signal_cols = np.array([i for i, cl in enumerate(self.classes) if cl.kind == "fit_signal"], np.int64)
        self._thresholds = np.array(
            [SIGNAL_THRESHOLD if cl.kind == "fit_signal" else INTENT_THRESHOLD for cl in self.classes], np.float32
        )
        self._friction = next(
            (i for i, cl in enumerate(self.classes) if cl.kind == "intent" and cl.key == "describes_friction"), None
        )
        # Without the model the lexical matcher covers intents too; beside the model, fit signals only.
        lexical_classes = [i for i, cl in enumerate(self.classes) if model is None or cl.kind == "fit_signal"]
        self.lexical = Matcher((str(i), p) for i in lexical_classes for p in self.classes[i].examples)
        self.weights: Weights | None = None
        self._reader: Reader | None = None
        self._negation = np.zeros(0, dtype=bool)  # per word code: a negation
        # Per lexical signal (rows) and word code (columns): how many of its phrase tokens the word gives
        # (Matcher.weights), filled in for the words of the texts the lexical matcher may change.
        self._lexical_signals = {str(i): k for k, i in enumerate(lexical_classes)}
        self._phrase_table = np.zeros((len(lexical_classes), 0), dtype=np.float32)
        self._phrase_known = np.zeros(0, dtype=bool)
        self._phrase_restarts = 0
        self._examples: list[F32] = []
        if model is not None:
            self.weights = fit(model, definitions)
            projections = (self.weights.scores, self.weights.basis)
            self._reader = Reader(model, projections, pinned=sorted(NEGATIONS), additions=self.weights.words)
            codes = self._reader.table.shape[1]
            self._negation = np.zeros(codes, dtype=bool)
            self._phrase_table = np.zeros((len(lexical_classes), codes), dtype=np.float32)
            self._phrase_known = np.zeros(codes, dtype=bool)
            self._negation[[self._reader.codes[w] for w in NEGATIONS]] = True
            self._negated = self.weights.negated.astype(np.float64)  # as numpy would cast it for each product
            for cls in self.classes:
                projected = model.embed(list(cls.examples)) @ self.weights.basis
                unit = projected / (np.linalg.norm(projected, axis=1, keepdims=True) + 1e-9)
                self._examples.append(np.ascontiguousarray(unit.T))  # (RANK, examples), as product() takes it

    @property
    def source(self) -> str:
        """ "model" when the embedding model is loaded, else "lexical"."""
        return "model" if self.model is not None else LEXICAL_NAME

    def classify(self, messages: Sequence[MessageToRead], *, remember: bool = True) -> list[tuple[Match, ...]]:
        """One tuple per message (same order): matches over the threshold, best first.

        remember=False: the texts read are not added to the memo (a caller keeping a memo of its own, such as
        the message writer's feature reader, so a long import does not fill both).
        """
        # Reading makes many small objects and no reference cycle: the cyclic garbage collector, which would
        # walk the whole heap again and again meanwhile (a third of the time on a million messages), waits.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._classify(messages, remember=remember)
        finally:
            if collecting:
                gc.enable()

    def _classify(self, messages: Sequence[MessageToRead], *, remember: bool) -> list[tuple[Match, ...]]:
        out: list[tuple[Match, ...]] = []
        memo = self._memo
        for start in range(0, len(messages), BATCH):
            # A (text, direction) read before is taken from the memo; the others are read once each, however
            # often they repeat. Automated messages of the owner read as an empty one: nothing.
            keys = [
                _NOTHING if m.is_outbound and m.automated else (m.text, m.is_outbound)
                for m in messages[start : start + BATCH]
            ]
            known = list(map(memo.get, keys))
            missing = list(dict.fromkeys([key for key, got in zip(keys, known, strict=True) if got is None]))
            if not missing:
                out.extend(known)  # type: ignore[arg-type]  # none is None
                continue
            read = dict(zip(missing, self._classify_distinct(missing), strict=True))
            out.extend([read[key] if got is None else got for key, got in zip(keys, known, strict=True)])
            if not remember:
                continue
            if len(memo) + len(read) > MEMO_SIZE:
                for key in list(islice(memo, len(memo) // 2)):  # the older half goes
                    del memo[key]
            memo.update(read)
            for key in [key for key in missing if len(key[0]) > MEMO_TEXT]:
                del memo[key]
        return out

    def probabilities(self, messages: Sequence[MessageToRead]) -> F32:
        """The model's probability of every class for each message (rows), before thresholds and rules."""
        texts = [m.text for m in messages]
        outbound = np.array([m.is_outbound for m in messages], dtype=bool)
        return self._probabilities(texts, outbound)[0]

    def _probabilities(self, texts: list[str], outbound: NDArray[np.bool_]) -> tuple[F32, F32, Reading | None]:
        """Class probabilities per text, each text's projection (for the nearest example phrase), its words."""
        c = len(self.classes)
        probs = np.zeros((len(texts), c), dtype=np.float32)
        projection = np.zeros((len(texts), RANK), dtype=np.float32)
        if self._reader is None or self.weights is None:
            return probs, projection, None
        reading = self._reader.read(texts)
        if not reading.words.size:
            return probs, projection, reading
        n = len(reading.starts)
        # Column by column, each a contiguous row of the (columns x codes) table: bincount sums per sentence
        # (in float64) far faster than a reduceat over rows.
        table = self._reader.table
        sums: F64 = np.stack([np.bincount(reading.sentence, row[reading.words], n) for row in table], axis=1)
        self._add_pairs(reading, sums)
        negated = np.bincount(reading.sentence, self._negation[reading.words], n) > 0
        first = np.flatnonzero(np.diff(reading.message, prepend=-1) != 0)
        owner = reading.message[first]
        several = np.diff(np.append(first, n)) > 1
        best = self._softmax(sums, negated, outbound[reading.message])
        per_text = sums[first]
        if several.any():
            # A message of several sentences: its sums are its sentences' (the rest added to the first one's).
            text_of = np.cumsum(np.diff(reading.message, prepend=-1) != 0) - 1
            rest = np.ones(n, dtype=bool)
            rest[first] = False
            np.add.at(per_text, text_of[rest], sums[rest])
            text_negated = negated[first].copy()
            np.logical_or.at(text_negated, text_of[rest], negated[rest])
            best = np.maximum.reduceat(best, first, axis=0)
            whole = self._softmax(per_text[several], text_negated[several], outbound[owner[several]])
            best[several] = np.maximum(best[several], whole)
        probs[owner] = best
        projection[owner] = per_text[:, c + 4 :]
        return probs, projection, reading

    def _add_pairs(self, reading: Reading, sums: F64) -> None:
        """Add the learnt score of each negation and the word right after it, in one sentence (train.Weights)."""
        assert self._reader is not None
        assert self.weights is not None
        pairs = self.weights.pairs
        if not pairs:
            return
        words, sentence = reading.words, reading.sentence
        at = np.flatnonzero(self._negation[words[:-1]] & (sentence[1:] == sentence[:-1]))
        if not at.size:
            return
        spelled = self._reader.words
        c = len(self.classes)
        for i, a, b in zip(sentence[at].tolist(), words[at].tolist(), words[at + 1].tolist(), strict=True):
            score = pairs.get((spelled[a], spelled[b]))
            if score is not None:
                sums[i, : c + 4] += score

    def _softmax(self, sums: F64, negated: NDArray[np.bool_], outbound: NDArray[np.bool_]) -> F32:
        """Per-class probabilities of rows of summed word columns, each in its direction's softmax."""
        assert self.weights is not None
        w, c = self.weights, len(self.classes)
        projected = sums[:, c + 4 :]
        norm = np.sqrt(np.einsum("ij,ij->i", projected, projected)) + 1e-9
        z = sums[:, : c + 4]
        if negated.any():
            z = z.copy()
            z[negated] += product(projected[negated], self._negated)
        z = z / norm[:, None] + negated[:, None] * w.flag + w.bias
        out = np.zeros((len(sums), c), dtype=np.float32)
        for columns, rows in ((w.inbound, ~outbound), (w.outbound, outbound)):
            if not rows.any():
                continue
            group = z[np.ix_(rows, columns)]
            group = np.exp(group - group.max(axis=1, keepdims=True))
            group /= group.sum(axis=1, keepdims=True)
            out[np.ix_(rows, columns[:-1])] = group[:, :-1]
        if self._few_shot.size:
            # A signal learnt from its user's few phrases: its own share of the softmax is capped by "this is a
            # problem at all" (see train.Weights), and at least P(a problem) x P(this signal | one of the signals),
            # the signals' columns alone in a softmax: among problems it has to beat the seed's signals only, not
            # the many phrases of "none" and of every intent.
            inbound = ~outbound
            a_problem = z[np.ix_(inbound, w.problem)]
            a_problem = 1.0 / (1.0 + np.exp(a_problem[:, 1] - a_problem[:, 0]))
            few = self._few_shot
            signals = np.minimum(out[np.ix_(inbound, few)], a_problem[:, None] * PROBLEM_SCALE)
            among = z[np.ix_(inbound, self._signal_cols)]
            among = np.exp(among - among.max(axis=1, keepdims=True))
            among /= among.sum(axis=1, keepdims=True)
            which = np.searchsorted(self._signal_cols, few)
            out[np.ix_(inbound, few)] = np.maximum(signals, a_problem[:, None] * among[:, which])
        if self._friction is not None and self._signal_cols.size:
            out[:, self._friction] += out[:, self._signal_cols].sum(axis=1)
        return out

    def _classify_distinct(self, keys: list[tuple[str, bool]]) -> list[tuple[Match, ...]]:
        texts = [t for t, _ in keys]
        outbound = np.array([o for _, o in keys], dtype=bool)
        probs, projection, reading = self._probabilities(texts, outbound)
        hits = (probs >= self._thresholds[None, :]) & (outbound[:, None] == self._outbound[None, :])
        if self._signal_cols.size:
            # Fit signals exclude each other: a message names one pain, so only the likeliest signal is kept.
            signal_hits = hits[:, self._signal_cols]
            several = np.flatnonzero(signal_hits.sum(axis=1) > 1)
            if several.size:
                signal_probs = np.where(signal_hits[several], probs[np.ix_(several, self._signal_cols)], -1.0)
                best = self._signal_cols[np.argmax(signal_probs, axis=1)]
                hits[np.ix_(several, self._signal_cols)] = False
                hits[several, best] = True
            if self._friction is not None:
                # A fit signal is a friction the user named: describes_friction too (its probability is at
                # least the signal's, being its own plus every signal's).
                hits[:, self._friction] |= hits[:, self._signal_cols].any(axis=1)
        lexical = self._lexical(texts, outbound, probs, hits, reading)
        rows, cols = np.nonzero(hits)
        order = np.lexsort((cols, -probs[rows, cols], rows))
        rows, cols = rows[order], cols[order]
        evidence = cols
        if self._friction is not None and self._signal_cols.size:
            # describes_friction found beside a signal shows the signal's closest phrase: the friction named.
            signal_hits = hits[:, self._signal_cols]
            named = np.where(signal_hits.any(axis=1), self._signal_cols[np.argmax(signal_hits, axis=1)], -1)
            evidence = np.where((cols == self._friction) & (named[rows] >= 0), named[rows], cols)
        nearest = self._nearest(rows, evidence, projection)
        results: list[tuple[Match, ...]] = [()] * len(keys)
        if len(rows):
            kinds, names, products = zip(*[self._heads[col] for col in cols.tolist()], strict=True)
            prob_list = np.round(probs[rows, cols].astype(np.float64), 4).tolist()
            found = list(map(Match, kinds, names, products, prob_list, nearest, repeat("model")))
            # rows is sorted: each row's matches are one run of it.
            starts = np.flatnonzero(np.diff(rows, prepend=-1)).tolist()
            for row, start, stop in zip(rows[starts].tolist(), starts, [*starts[1:], len(rows)], strict=True):
                results[row] = tuple(found[start:stop])
        for row, matches in lexical.items():
            results[row] = self._merge(results[row], matches)
        return results

    def _lexical(
        self,
        texts: list[str],
        outbound: NDArray[np.bool_],
        probs: F32,
        hits: NDArray[np.bool_],
        reading: Reading | None,
    ) -> Lexical:
        """Lexical matches by row: (class column, similarity, phrase)."""
        rows = np.flatnonzero(~outbound if self.model is not None else np.ones(len(texts), dtype=bool))
        if self.model is not None:
            if not self._signal_cols.size:
                return {}
            # Beside the model the lexical matcher reads only what it could change: inbound messages where the
            # model found no signal but one is near, the model giving it at least LEXICAL_GATE (on the evaluation
            # and lexical test sets no lexical match lies below) and the words two of its phrase tokens.
            near = probs[:, self._signal_cols] >= LEXICAL_GATE
            rows = rows[~hits[rows][:, self._signal_cols].any(axis=1) & near[rows].any(axis=1)]
            if rows.size and reading is not None:
                tokens = self._phrase_tokens(reading, rows, len(texts))
                rows = rows[(near[rows] & (tokens[rows] >= 2)).any(axis=1)]
        found: Lexical = {}
        for row in rows.tolist():
            matches = [
                (int(m.signal), m.similarity, m.phrase)
                for m in self.lexical.match(texts[row])
                if self._outbound[int(m.signal)] == bool(outbound[row])
            ]
            if matches:
                found[row] = matches
        return found

    def _phrase_tokens(self, reading: Reading, rows: NDArray[np.intp], n: int) -> F64:
        """Per text (rows of n) and lexical signal, at most how many of its phrase tokens the words of the texts
        in `rows` give (Matcher.weights; zero for the other texts)."""
        assert self._reader is not None
        word_text = reading.message[reading.sentence]
        wanted = np.zeros(n, dtype=bool)
        wanted[rows] = True
        picked = wanted[word_text]
        codes, texts_of = reading.words[picked], word_text[picked]
        if self._reader.restarts != self._phrase_restarts:
            # The Reader started its dictionary again: the columns of words of their own now hold other words.
            self._phrase_known[self._reader.model.tokens :] = False
            self._phrase_restarts = self._reader.restarts
        new = np.unique(codes[~self._phrase_known[codes]])
        for code in new.tolist():
            column = self._phrase_table[:, code]
            column[:] = 0.0
            for signal, count in self.lexical.weights(self._reader.words[code]).items():
                column[self._lexical_signals[signal]] = count
        self._phrase_known[new] = True
        out = np.zeros((n, len(self._phrase_table)), dtype=np.float64)
        for k, row in enumerate(self._phrase_table):
            out[:, k] = np.bincount(texts_of, row[codes], n)
        return out

    def _merge(self, model: tuple[Match, ...], lexical: list[tuple[int, float, str]]) -> tuple[Match, ...]:
        by_key = {(m.kind, m.key, m.product): m for m in model}
        for col, similarity, phrase in lexical:
            cls = self.classes[col]
            prior = by_key.get((cls.kind, cls.key, cls.product))
            if prior is None:
                by_key[(cls.kind, cls.key, cls.product)] = Match(
                    cls.kind, cls.key, cls.product, similarity, phrase, LEXICAL_NAME
                )
            else:
                probability = max(prior.probability, similarity)
                by_key[(cls.kind, cls.key, cls.product)] = Match(
                    cls.kind, cls.key, cls.product, probability, phrase, "both"
                )
        matches = list(by_key.values())
        friction = self.classes[self._friction] if self._friction is not None else None
        signals = [m for m in matches if m.kind == "fit_signal"]
        if friction is not None and signals and not any(m.kind == "intent" and m.key == friction.key for m in matches):
            # A fit signal is a friction the user named, so it counts as describes_friction too.
            top = max(signals, key=lambda m: m.probability)
            matches.append(Match("intent", friction.key, None, top.probability, top.nearest_phrase, top.source))
        matches.sort(key=lambda m: (-m.probability, m.kind, m.key))
        return tuple(matches)

    def _nearest(self, rows: NDArray[np.intp], cols: NDArray[np.intp], projection: F32) -> list[str]:
        """The example phrase of each (row, class) closest to the row's text, in the model's main directions."""
        nearest = [""] * len(rows)
        for col in np.unique(cols).tolist():
            at = np.flatnonzero(cols == col)
            examples = self.classes[col].examples
            best = np.argmax(product(projection[rows[at]], self._examples[col]), axis=1).tolist()
            for k, b in zip(at.tolist(), best, strict=True):
                nearest[k] = examples[b]
        return nearest
