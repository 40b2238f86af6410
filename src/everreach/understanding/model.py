"""The packaged sentence-embedding model: WordLlama's static token embeddings, read from its own wheel.

The wheel ships the weights (`weights/l2_supercat_256.safetensors`, 32,000 x 256, float16) and the tokenizer
(`tokenizers/l2_supercat_tokenizer_config.json`). WordLlama's own `load()` looks for the tokenizer in the
wrong folder of its wheel and then downloads it, and importing the package configures the root logger, so the
two files are read straight from the installed package's folder (found without importing it): no network,
no side effects. A text is embedded as the mean of its words' token embeddings (WordLlama's average pooling),
word by word so a word seen once is never tokenised again.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

MODEL_NAME = "wordllama-l2_supercat-256"
WEIGHTS = Path("weights") / "l2_supercat_256.safetensors"
TOKENIZER = Path("tokenizers") / "l2_supercat_tokenizer_config.json"
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]")
# Emoji and punctuation are split one character a word; only these carry meaning worth a token.
_KEPT_SYMBOLS = frozenset("?!$%@🎉🙏😭🥹😩🫠🙃💀😬🙌👀💕")

Vector = NDArray[np.float32]


class ModelUnavailableError(RuntimeError):
    """The embedding model is not installed or its files cannot be read."""


def package_folder() -> Path:
    """The installed wordllama package's folder, found without importing the package."""
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailableError("the wordllama package is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def words_of(text: str) -> list[str]:
    """The words of a text as the model reads them: lower-cased, curly quotes straightened, few symbols."""
    lowered = text.lower().replace("\u2019", "'")
    return [w for w in WORD.findall(lowered) if w[0].isalnum() or w in _KEPT_SYMBOLS]


@dataclass
class EmbeddingModel:
    """Token embeddings and tokenizer, with a per-word cache of (sum of token vectors, token count)."""

    embedding: NDArray[np.float16]
    tokenizer: object
    word_index: dict[str, int] = field(default_factory=dict)
    word_vectors: list[Vector] = field(default_factory=list)
    word_tokens: list[int] = field(default_factory=list)

    @property
    def dim(self) -> int:
        """Embedding width."""
        return int(self.embedding.shape[1])

    def word_ids(self, words: list[str]) -> list[int]:
        """Cache ids of these words, tokenising only the ones never seen before."""
        index = self.word_index
        new = [w for w in dict.fromkeys(words) if w not in index]
        if new:
            encodings = self.tokenizer.encode_batch(new, add_special_tokens=False)  # type: ignore[attr-defined]
            for word, enc in zip(new, encodings, strict=True):
                ids = np.asarray(enc.ids, dtype=np.int64)
                index[word] = len(self.word_vectors)
                vec = self.embedding[ids].sum(axis=0, dtype=np.float32) if len(ids) else np.zeros(self.dim, "f4")
                self.word_vectors.append(vec)
                self.word_tokens.append(len(ids))
        return [index[w] for w in words]

    def embed(self, texts: list[str]) -> Vector:
        """Mean-pooled embeddings of the texts (zeros for a text with no words), one row each."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            ids = self.word_ids(words_of(text))
            if ids:
                tokens = sum(self.word_tokens[i] for i in ids)
                out[row] = np.sum([self.word_vectors[i] for i in ids], axis=0) / max(tokens, 1)
        return out


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
