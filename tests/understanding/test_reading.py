"""Reading a batch at once finds the same words as reading each text alone, cut into the right sentences."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from everreach.understanding import model as model_module
from everreach.understanding.model import EmbeddingModel, load_model, words_of
from everreach.understanding.reading import Reader


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader(load_model())


def _sentences(reader: Reader, texts: list[str]) -> list[tuple[int, list[str]]]:
    reading = reader.read(texts)
    words = reader.model.words
    ends = [*reading.starts.tolist()[1:], len(reading.words)] if len(reading.starts) else []
    return [
        (int(text), [words[i] for i in reading.words[start:end].tolist()])
        for text, start, end in zip(reading.message, reading.starts, ends, strict=True)
    ]


def test_sentences_of_a_batch(reader: Reader) -> None:
    texts = ["Thanks so much!! Also: my inbox is chaos\u2026 help?", "", "🙏", "line one\nline two; three"]
    assert _sentences(reader, texts) == [
        (0, ["thanks", "so", "much", "!", "!"]),
        (0, ["also", "my", "inbox", "is", "chaos"]),
        (0, ["help", "?"]),
        (2, ["🙏"]),
        (3, ["line", "one"]),
        (3, ["line", "two"]),
        (3, ["three"]),
    ]


def test_ids_and_links_are_not_read(reader: Reader) -> None:
    assert words_of("we hit 12000 followers, see https://ex.am/3f9a2c1 or 10k") == [
        "we", "hit", "followers", "see", "https", "ex", "am", "or", "10k",
    ]  # fmt: skip


chat = st.text(alphabet=st.sampled_from(list("abc xyz'.,!?;\n\u2019\u2026🙏😂é0123")), max_size=40)


@settings(max_examples=60, deadline=None)
@given(st.lists(chat, max_size=6))
def test_a_batch_reads_the_words_each_text_has_alone(texts: list[str]) -> None:
    reader = Reader(load_model())
    per_text: dict[int, list[str]] = {}
    for text, words in _sentences(reader, texts):
        per_text.setdefault(text, []).extend(words)
    assert [per_text.get(i, []) for i in range(len(texts))] == [words_of(t) for t in texts]


def test_words_past_the_cache_are_dropped_not_stored(monkeypatch: pytest.MonkeyPatch) -> None:
    base = load_model()
    fresh = EmbeddingModel(base.embedding, base.tokenizer)
    monkeypatch.setattr(model_module, "MAX_WORDS", 3)
    reader = Reader(fresh)  # caches "!" and "?"
    assert _sentences(reader, ["alpha beta gamma delta"]) == [(0, ["alpha"])]
    assert len(fresh.words) == 3
    assert len(reader.codes) < 10
