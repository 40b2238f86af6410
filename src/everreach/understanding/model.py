"""The packaged sentence-embedding model: WordLlama's static token embeddings, read from its own wheel.

The wheel ships the weights (`weights/l2_supercat_256.safetensors`, 32,000 x 256, float16) and the tokenizer
(`tokenizers/l2_supercat_tokenizer_config.json`). WordLlama's own `load()` looks for the tokenizer in the
wrong folder of its wheel and then downloads it, and importing the package configures the root logger, so the
two files are read straight from the installed package's folder (found without importing it): no network,
no side effects. A text is embedded as the mean of its words' token embeddings (WordLlama's average pooling).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

# The model and the way this package reads with it (part of every definitions key: a change re-trains).
MODEL_NAME = "wordllama-l2_supercat-256/sentences-softmax-2"
WEIGHTS = Path("weights") / "l2_supercat_256.safetensors"
TOKENIZER = Path("tokenizers") / "l2_supercat_tokenizer_config.json"
# Emoji and punctuation: only these carry meaning worth a token; each is a word of its own.
_KEPT_SYMBOLS = frozenset("?!$%@🎉🙏😭🥹😩🫠🙃💀😬🙌👀💕")
# Sentence breaks (reading.py), words of their own too; not read by the model.
BREAK_SYMBOLS = frozenset(".;\u2026\x00")


def _byte_table() -> bytes:
    """bytes.translate table: ASCII punctuation and controls blanked, except "'" and the symbols kept."""
    table = bytearray(range(256))
    for code in range(128):
        if not (chr(code).isalnum() or chr(code) in "'?!$%@.;\x00"):
            table[code] = 32
    return bytes(table)


_BYTES = _byte_table()
_REPLACED = (
    ("\u2019", "'"),
    ("\u2018", "'"),
    ("\u201c", " "),
    ("\u201d", " "),
    ("\u2014", " "),
    ("\u2013", " "),
    ("\n", " . "),
)
_BEFORE = tuple((a.encode(), b.encode()) for a, b in _REPLACED)
_SPACED = tuple(symbol.encode() for symbol in (*_KEPT_SYMBOLS, *BREAK_SYMBOLS))


def split_words(lowered: str) -> list[str]:
    """The words of a lower-cased text: runs of letters, digits and apostrophes, and single kept symbols.

    Done on the UTF-8 bytes (translate and replace run at memory speed over a whole batch): ASCII
    punctuation, curly double quotes and dashes are blanks, curly apostrophes are "'", a line break is a
    sentence break, each kept symbol or break becomes a word of its own; other emoji stay as written.
    """
    data = lowered.encode()
    for before, after in _BEFORE:
        if before in data:
            data = data.replace(before, after)
    data = data.translate(_BYTES)
    for symbol in _SPACED:
        if symbol in data:
            data = data.replace(symbol, b" " + symbol + b" ")
    return data.decode().split()


Vector = NDArray[np.float32]


class ModelUnavailableError(RuntimeError):
    """The embedding model is not installed or its files cannot be read."""


def package_folder() -> Path:
    """The installed wordllama package's folder, found without importing the package."""
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailableError("the wordllama package is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def split_many(texts: list[str]) -> list[list[str]]:
    """split_words of each text, in one pass over them all (the texts joined with NUL, a break of its own)."""
    if any("\x00" in t for t in texts):
        texts = [t.replace("\x00", " ") for t in texts]
    out: list[list[str]] = [[]]
    for word in split_words("\x00".join(texts).lower()):
        if word == "\x00":
            out.append([])
        else:
            out[-1].append(word)
    return out if texts else []


def readable(word: str) -> bool:
    """Whether the model reads this word: not a break, not a long run with digits (ids, links), not "'"."""
    if len(word) > 4 and any(ch.isdigit() for ch in word):
        return False
    return word in _KEPT_SYMBOLS or any(ch.isalnum() for ch in word)


def words_of(text: str) -> list[str]:
    """The words of a text as the model reads them (split_words, then only the readable ones)."""
    return [w for w in split_words(text.lower()) if readable(w)]


# OpenBLAS runs a product on the calling thread alone below this many multiply-adds (m x n x k: its
# SMP_THRESHOLD_MIN times GEMM_MULTITHREAD_THRESHOLD); above, it wakes its worker threads, which on a small busy
# machine costs far more than the product itself (seen: 20x on the classifier's products, 2 cores under load).
_ONE_THREAD = 65_536 * 4
Real = TypeVar("Real", np.float32, np.float64)


def product(a: NDArray[Real], b: NDArray[Real]) -> NDArray[Real]:
    """a @ b, in slices of a's rows small enough for OpenBLAS to keep each to one thread (same figures)."""
    rows = max(1, _ONE_THREAD // max(1, b.shape[0] * b.shape[1]))
    if a.shape[0] <= rows:
        return a @ b
    out = np.empty((a.shape[0], b.shape[1]), dtype=a.dtype)
    for start in range(0, a.shape[0], rows):
        out[start : start + rows] = a[start : start + rows] @ b
    return out


@dataclass
class EmbeddingModel:
    """Token embeddings and tokenizer; it keeps no cache of its own (the classifier's Reader does, bounded)."""

    embedding: NDArray[np.float16]
    tokenizer: object

    @property
    def dim(self) -> int:
        """Embedding width."""
        return int(self.embedding.shape[1])

    @property
    def tokens(self) -> int:
        """How many tokens the model has (rows of the embedding)."""
        return int(self.embedding.shape[0])

    def token_ids(self, words: list[str]) -> list[list[int]]:
        """The token ids of each word (tokenised alone, no special tokens)."""
        if not words:
            return []
        # The fast variant skips character offsets, which nothing here reads (same ids).
        encodings = self.tokenizer.encode_batch_fast(words, add_special_tokens=False)  # type: ignore[attr-defined]
        return [enc.ids for enc in encodings]

    def embed(self, texts: list[str]) -> Vector:
        """Mean-pooled embeddings of the texts (zeros for a text with no words), one row each."""
        return self.embed_with_counts(texts)[0]

    def embed_with_counts(self, texts: list[str]) -> tuple[Vector, NDArray[np.float32]]:
        """embed(), and how many tokens each text has."""
        split = split_many(texts)
        distinct = [w for w in dict.fromkeys(w for words in split for w in words) if readable(w)]
        tokens = {w: np.asarray(ids, dtype=np.int64) for w, ids in zip(distinct, self.token_ids(distinct), strict=True)}
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        counts = np.zeros(len(texts), dtype=np.float32)
        for row, words in enumerate(split):
            found = [tokens[w] for w in words if w in tokens]
            if found:
                ids = np.concatenate(found)
                if ids.size:
                    out[row] = self.embedding[ids].mean(axis=0, dtype=np.float32)
                    counts[row] = ids.size
        return out, counts


_LOADED: list[EmbeddingModel] = []


def load_model(folder: Path | None = None) -> EmbeddingModel:
    """Read the embedding model from the installed wheel (once per process); no download is ever tried."""
    if folder is None and _LOADED:
        return _LOADED[0]
    try:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer
    except ImportError as exc:  # pragma: no cover - both come with wordllama
        raise ModelUnavailableError(f"a model dependency is missing: {exc.name}") from exc
    root = folder if folder is not None else package_folder()
    try:
        weights = load_file(str(root / WEIGHTS))["embedding.weight"]
        tokenizer = Tokenizer.from_file(str(root / TOKENIZER))
    except Exception as exc:  # safetensors and tokenizers raise their own error types
        raise ModelUnavailableError(f"cannot read the embedding model in {root}: {exc}") from exc
    tokenizer.no_padding()
    tokenizer.no_truncation()
    # Kept float16 as shipped (16 MB, not 32 MB); word vectors are summed in float32 when first seen.
    model = EmbeddingModel(np.ascontiguousarray(weights, dtype=np.float16), tokenizer)
    if folder is None:
        _LOADED.append(model)
    return model
