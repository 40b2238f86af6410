"""Reading a batch of texts at once: word ids, the sentences they fall in, and the message of each sentence.

The texts are joined with a separator and split into words in one pass over the whole batch (model.split_words,
the same words `model.words_of` finds); each word becomes an id through one dictionary look-up, a word never
seen before is tokenised once (EmbeddingModel.word_ids). A message is cut into sentences at ". ; ! ?", at line
breaks and at "…"; "!" and "?" stay words of the sentence they end, as they carry meaning.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import repeat

import numpy as np
from numpy.typing import NDArray

from everreach.understanding.model import BREAK_SYMBOLS, EmbeddingModel, readable, split_words

SEPARATOR = "\x00"
_SEP, _BREAK, _DROP, _UNKNOWN = -2, -3, -4, -5
_ENDING_WORDS = ("!", "?")
Ids = NDArray[np.int64]


@dataclass(frozen=True)
class Reading:
    """The words of a batch, grouped in sentences.

    words: word ids (EmbeddingModel rows) of every sentence in order; sentence: the sentence of each word
    (0, 1, ...); starts: where each sentence begins in words; message: the text each sentence belongs to
    (texts without any word have no sentence).
    """

    words: Ids
    sentence: Ids
    starts: Ids
    message: Ids


class Reader:
    """Turns batches of texts into Readings; keeps its own word -> code dictionary beside the model's."""

    def __init__(self, model: EmbeddingModel) -> None:
        """Reader over the model's vocabulary."""
        self.model = model
        self.codes: dict[str, int] = {**dict.fromkeys(BREAK_SYMBOLS, _BREAK), SEPARATOR: _SEP}
        self._ending = np.array(model.word_ids(list(_ENDING_WORDS)), dtype=np.int64)

    def _resolve(self, unknown: list[str]) -> list[int]:
        # Unreadable words (ids, links) and words past the model's cache are not stored, so the dictionary
        # stays as small as the cache: they read as dropped.
        readable_words = [w for w in dict.fromkeys(unknown) if readable(w)]
        for w, i in zip(readable_words, self.model.word_ids(readable_words), strict=True):
            if i >= 0:
                self.codes[w] = i
        return [self.codes.get(w, _DROP) for w in unknown]

    def read(self, texts: list[str]) -> Reading:
        """The sentences of the texts, in order."""
        joined = SEPARATOR.join(texts)
        if joined.count(SEPARATOR) != len(texts) - 1:
            joined = SEPARATOR.join(t.replace(SEPARATOR, " ") for t in texts)
        words = split_words(joined.lower())
        ids = np.fromiter(map(self.codes.get, words, repeat(_UNKNOWN)), dtype=np.int64, count=len(words))
        unknown = np.flatnonzero(ids == _UNKNOWN)
        if unknown.size:
            ids[unknown] = self._resolve([words[i] for i in unknown.tolist()])
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
        new = np.diff(kept_sentence, prepend=-1) != 0
        first = np.flatnonzero(new)
        return Reading(ids[keep], np.cumsum(new) - 1, first.astype(np.int64), message[keep][first].astype(np.int64))
