"""Per-message text features: filler, length, question, self-disclosure, emotion, meaningful, excerpt."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from everreach.messages.features import excerpt, is_filler, is_meaningful, text_features


@pytest.mark.parametrize(
    ("text", "filler"),
    [("ok", True), ("LOL!!", True), ("👍", True), ("k.", True), ("??", True), ("thanks!", True),
     ("thanks so much", False), ("amazing", False), ("ok cool", False), ("", True)],
)  # fmt: skip
def test_filler(text: str, filler: bool) -> None:
    assert is_filler(text) is filler


def test_batch_features_hand_checked() -> None:
    texts = ["I\u2019m so excited about the launch!", "what should we post?", "lol", "Our café opened", "mystery box"]
    f = text_features(texts)
    assert f.filler == [False, False, True, False, False]
    assert f.length == [32, 20, 3, 15, 11]
    assert f.question == [False, True, False, False, False]
    # "I'm" written with a curly apostrophe and "our" disclose; "mystery" contains "my" but not the word
    assert f.self_disclosure == [True, True, False, True, False]
    assert f.emotion == [True, False, False, False, False]


def test_emotion_stems_and_word_edges() -> None:
    f = text_features(["so stressed, honestly", "I HOPE it works", "that's sad.", "Sadie is here", "burnt out"])
    assert f.emotion == [True, True, True, False, True]


def test_meaningful() -> None:
    assert is_meaningful(filler=False, automated=False) is True
    assert is_meaningful(filler=True, automated=False) is False
    assert is_meaningful(filler=False, automated=True) is False
    assert is_meaningful(filler=False, automated=False, message_type="reaction") is False
    assert is_meaningful(filler=False, automated=False, message_type="photo") is True


def test_excerpt() -> None:
    assert excerpt("  hello\n  there ") == "hello there"
    long = excerpt("word " * 60, limit=20)
    assert len(long) <= 20
    assert long.endswith("…")


@given(st.lists(st.text(max_size=40), max_size=20))
def test_batch_equals_one_at_a_time(texts: list[str]) -> None:
    batch = text_features(texts)
    for i, t in enumerate(texts):
        one = text_features([t])
        assert (batch.filler[i], batch.length[i], batch.question[i], batch.self_disclosure[i], batch.emotion[i]) == (
            one.filler[0], one.length[0], one.question[0], one.self_disclosure[0], one.emotion[0])  # fmt: skip
        assert batch.filler[i] == is_filler(t)
