"""Reading a batch of texts at once: word codes, the sentences they fall in, and the message of each sentence.

The texts are joined with a separator and split into words in one pass over the whole batch (model.split_words,
the same words `model.words_of` finds); each word becomes a code through one dictionary look-up. A code is a
column of the Reader's table: the model's tokens first (a word the tokenizer reads as one token is coded by that
token's id, so most words need no column of their own), then one column per other word (several tokens, none,
or a pinned word). A column is the word's summed token vectors times the caller's projections: computed for
every token when the Reader is made, for another word when it is first seen (a word is tokenised once). The
dictionary is bounded: before it would hold more than MAX_WORDS words, or more than OWN_COLUMNS words of their
own, it starts again from the pinned words (which keep their codes), so memory stays flat however many distinct
words a long import brings.

A message is cut into sentences at ". ; ! ?", at line breaks and at "…"; "!" and "?" stay words of the sentence
they end, as they carry meaning.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, repeat

import numpy as np
from numpy.typing import NDArray

from everreach.understanding.model import BREAK_SYMBOLS, EmbeddingModel, product, readable, split_words

SEPARATOR = "\x00"
# Words the dictionary holds at most (about 200 bytes each), and columns for words of their own (4 bytes a row).
MAX_WORDS = 50_000
OWN_COLUMNS = 16_384
_SLICE = 1024
_SEP, _BREAK, _DROP, _UNKNOWN = -2, -3, -4, -5
_ENDING_WORDS = ("!", "?")
Ids = NDArray[np.int64]
F32 = NDArray[np.float32]


@dataclass(frozen=True)
class Reading:
    """The words of a batch, grouped in sentences.

    words: word codes (columns of Reader.table) of every sentence in order; sentence: the sentence of each word
    (0, 1, ...); starts: where each sentence begins in words; message: the text each sentence belongs to
    (texts without any word have no sentence).
    """

    words: Ids
    sentence: Ids
    starts: Ids
    message: Ids


class Reader:
    """Turns batches of texts into Readings, and words into columns of a per-token score table."""

    def __init__(
        self,
        model: EmbeddingModel,
        projections: Sequence[F32] = (),
        *,
        pinned: Iterable[str] = (),
        additions: Mapping[str, F32] | None = None,
    ) -> None:
        """Reader over the model's tokens; a column holds a word vector times each projection (dim x k), stacked.

        Pinned words always have a column of their own, never reused: a caller may mark their codes.
        additions: per word, a vector added to the first rows of its column (a score of the word itself).
        """
        self.model = model
        self._projections = tuple(projections)
        self._additions = dict(additions or {})
        tokens = model.tokens
        rows = sum(p.shape[1] for p in self._projections)
        self.table: F32 = np.zeros((rows, tokens + OWN_COLUMNS), dtype=np.float32)
        for start in range(0, tokens, 4096):  # in slices: no float32 copy of the whole embedding at once
            stop = min(start + 4096, tokens)
            self._project(model.embedding[start:stop].astype(np.float32), np.arange(start, stop))
        added = list(self._additions)
        for word, ids in zip(added, model.token_ids(added), strict=True):
            if len(ids) == 1:  # the word is read as this token's column (see _add)
                vector = self._additions[word]
                self.table[: len(vector), ids[0]] += vector
        self.codes: dict[str, int] = {**dict.fromkeys(BREAK_SYMBOLS, _BREAK), SEPARATOR: _SEP}
        self.words: list[str] = [""] * self.table.shape[1]  # the word of each code
        self.restarts = 0  # how often the dictionary started again (the columns past the pinned ones were reused)
        self._next = tokens  # the next free column of a word of its own
        self._add(list(dict.fromkeys(w for w in (*_ENDING_WORDS, *pinned) if readable(w))), pin=True)
        self._fixed = dict(self.codes)
        self._first_free = self._next
        self._ending = np.array([self.codes[w] for w in _ENDING_WORDS], dtype=np.int64)

    def _add(self, words: list[str], *, pin: bool = False) -> None:
        """Code new readable words; those past the table's room are left out (read as dropped)."""
        words = words[: max(0, self.table.shape[1] - self._next)]
        own: list[str] = []
        own_ids: list[list[int]] = []
        spelled = self.words
        for word, ids in zip(words, self.model.token_ids(words), strict=True):
            # A code names one word: a token is another word's only if the two spell alike (never, as the
            # tokenizer does not normalise; checked all the same).
            if len(ids) == 1 and not pin and spelled[ids[0]] in ("", word):
                self.codes[word] = ids[0]
                spelled[ids[0]] = word
            else:
                own.append(word)
                own_ids.append(ids)
        for start in range(0, len(own), _SLICE):  # in slices: a first batch may bring many thousand new words
            self._own_columns(own[start : start + _SLICE], own_ids[start : start + _SLICE])

    def _own_columns(self, own: list[str], own_ids: list[list[int]]) -> None:
        """Give each word a column of its own: its summed token vectors, projected."""
        columns = np.arange(self._next, self._next + len(own))
        self._next += len(own)
        lengths = np.fromiter(map(len, own_ids), dtype=np.int64, count=len(own))
        flat = np.fromiter(chain.from_iterable(own_ids), dtype=np.int64, count=int(lengths.sum()))
        vectors = np.zeros((len(own), self.model.dim), dtype=np.float32)
        some = lengths > 0  # a word of no token keeps a zero vector
        if some.any():
            starts = (np.cumsum(lengths) - lengths)[some]
            vectors[some] = np.add.reduceat(self.model.embedding[flat], starts, axis=0, dtype=np.float32)
        self._project(vectors, columns)
        for word, column in zip(own, columns.tolist(), strict=True):
            self.codes[word] = column
            self.words[column] = word
            vector = self._additions.get(word)
            if vector is not None:
                self.table[: len(vector), column] += vector

    def _project(self, vectors: F32, columns: Ids) -> None:
        row = 0
        for projection in self._projections:
            width = projection.shape[1]
            self.table[row : row + width, columns] = product(vectors, projection).T
            row += width

    def _restart(self) -> None:
        """Forget every word but the pinned ones; their columns are reused."""
        self.codes = dict(self._fixed)
        self._next = self._first_free
        self.restarts += 1

    def _lookup(self, words: list[str]) -> tuple[Ids, list[str]]:
        ids = np.fromiter(map(self.codes.get, words, repeat(_UNKNOWN)), dtype=np.int64, count=len(words))
        unknown = np.flatnonzero(ids == _UNKNOWN).tolist()
        # Unreadable words (ids, links) are never stored, so the dictionary holds readable words only.
        return ids, [w for w in dict.fromkeys([words[i] for i in unknown]) if readable(w)] if unknown else []

    def read(self, texts: list[str]) -> Reading:
        """The sentences of the texts, in order."""
        joined = SEPARATOR.join(texts)
        if joined.count(SEPARATOR) != len(texts) - 1:
            joined = SEPARATOR.join(t.replace(SEPARATOR, " ") for t in texts)
        words = split_words(joined.lower())
        ids, new = self._lookup(words)
        if new and (len(self.codes) + len(new) > MAX_WORDS or self._next + len(new) > self.table.shape[1]):
            self._restart()
            ids, new = self._lookup(words)
        if new:
            self._add(new)
        unknown = np.flatnonzero(ids == _UNKNOWN)
        if unknown.size:
            codes = self.codes
            ids[unknown] = [codes.get(words[i], _DROP) for i in unknown.tolist()]
        separator = ids == _SEP
        message = np.cumsum(separator)
        ending = np.isin(ids, self._ending)
        ends = separator | (ids == _BREAK) | ending
        begins = np.empty(len(ids), dtype=bool)
        if len(ids):
            # "!!" and "?!" end one sentence, not two: an ending word joins the sentence it follows.
            begins[0] = True
            begins[1:] = ends[:-1] & ~(ending[1:] & ~separator[:-1])
        sentence = np.cumsum(begins)
        keep = ids >= 0
        kept_sentence = sentence[keep]
        new_sentence = np.diff(kept_sentence, prepend=-1) != 0
        first = np.flatnonzero(new_sentence)
        return Reading(
            ids[keep], np.cumsum(new_sentence) - 1, first.astype(np.int64), message[keep][first].astype(np.int64)
        )
