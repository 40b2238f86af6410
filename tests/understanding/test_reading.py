"""Reading a batch at once finds the same words as reading each text alone, cut into the right sentences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from everreach.understanding import reading as reading_module
from everreach.understanding.model import load_model, words_of
from everreach.understanding.reading import Reader


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader(load_model())


def _sentences(reader: Reader, texts: list[str]) -> list[tuple[int, list[str]]]:
    reading = reader.read(texts)
    words = reader.words
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


def test_the_dictionary_starts_again_when_full_and_still_reads_every_word(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading_module, "MAX_WORDS", 30)
    reader = Reader(load_model(), pinned=["never"])
    never = reader.codes["never"]
    texts = [" ".join(f"w{i}x{j}" for j in range(8)) for i in range(10)]  # 80 distinct words, 8 a text
    for text in texts:
        assert [w for _, ws in _sentences(reader, [text]) for w in ws] == words_of(text)
        assert len(reader.codes) <= 30
    assert reader.restarts > 0
    assert reader.codes["never"] == never  # pinned words keep their code
    assert _sentences(reader, ["never again"]) == [(0, ["never", "again"])]


def test_a_word_column_is_the_sum_of_its_token_columns() -> None:
    model = load_model()
    rng = np.random.default_rng(3)
    projection = rng.standard_normal((model.dim, 5)).astype(np.float32)
    reader = Reader(model, [projection])
    (ids,) = model.token_ids(["unfollowable"])
    assert len(ids) > 1
    code = reader.codes.get("unfollowable")
    assert code is None
    reading = reader.read(["unfollowable"])
    (code,) = reading.words.tolist()
    assert code >= model.tokens  # a word of several tokens has a column of its own
    expected = model.embedding[ids].sum(axis=0, dtype=np.float32) @ projection
    assert np.allclose(reader.table[:, code], expected, rtol=1e-6, atol=1e-6)
    (one,) = reader.read(["the"]).words.tolist()
    assert one < model.tokens  # a word of one token is coded by that token
    assert np.allclose(reader.table[:, one], model.embedding[one].astype(np.float32) @ projection, atol=1e-6)
