"""The feature reader: repeated messages read once, the memo bounded, the same features with or without it."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from everreach.messages.featurerows import FeatureReader, Features
from everreach.understanding import Classifier, MessageToRead, get_classifier

TEXTS = ["thanks so much!!", "ok", "i'll send you the template tomorrow", "what do you think of my new logo?", "ok"]


class CountingClassifier:
    """A classifier that records every batch it is asked to read."""

    def __init__(self, inner: Classifier) -> None:
        self.inner = inner
        self.definitions_key = inner.definitions_key
        self.batches: list[list[str]] = []
        self.remembered: list[bool] = []

    def classify(self, messages: Sequence[MessageToRead], *, remember: bool = True) -> list[tuple[object, ...]]:
        self.batches.append([m.text for m in messages])
        self.remembered.append(remember)
        return list(self.inner.classify(messages, remember=remember))


def _read(reader: FeatureReader, texts: list[str], *, out: bool = False, auto: bool = False) -> list[Features]:
    n = len(texts)
    return reader.read(texts=texts, outbound=[out] * n, automated=[auto] * n, types=["text"] * n)


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return get_classifier([])


def test_one_classify_call_per_batch_and_each_message_read_once(classifier: Classifier) -> None:
    counting = CountingClassifier(classifier)
    reader = FeatureReader(counting)  # type: ignore[arg-type]
    first = _read(reader, TEXTS)
    assert counting.batches == [TEXTS[:4]]
    again = _read(reader, [TEXTS[1], TEXTS[0], "see you friday"])
    assert counting.batches[1] == ["see you friday"]
    assert counting.remembered == [False, False]  # the reader's memo is the only one on this path
    assert again[:2] == [first[1], first[0]]
    assert first[0].intents == ("thanks",)
    assert first[1].meaningful is False


def test_automated_sends_are_not_classified(classifier: Classifier) -> None:
    counting = CountingClassifier(classifier)
    reader = FeatureReader(counting)  # type: ignore[arg-type]
    sent = _read(reader, [TEXTS[2]], out=True, auto=True)[0]
    assert counting.batches == []
    assert (sent.intents, sent.automated, sent.meaningful) == ((), True, False)
    own = _read(reader, [TEXTS[2]], out=True)[0]
    assert own.intents == ("promise",)


def test_only_the_senders_own_words_are_classified(classifier: Classifier) -> None:
    """Importer stand-ins and Meta's system lines carry no intent; a link after the share tag is still read."""
    counting = CountingClassifier(classifier)
    reader = FeatureReader(counting)  # type: ignore[arg-type]
    texts = ["[audio]", "[photo]", "[call 12s]", "Ana Okafor 13 sent an attachment.", "[share] https://x.example/guide"]
    found = _read(reader, texts)
    assert counting.batches == [["https://x.example/guide"]]
    assert all(f.intents == () and f.fit_signals == () for f in found[:4])
    assert [f.excerpt for f in found] == texts  # the evidence still shows the message as stored


def test_text_mostly_in_another_script_is_not_classified(classifier: Classifier) -> None:
    """The model is English; on Japanese or Cyrillic text it abstains, while accents and emoji are still read."""
    counting = CountingClassifier(classifier)
    reader = FeatureReader(counting)  # type: ignore[arg-type]
    texts = [
        "日本語のメッセージもあるよ",
        "спасибо большое за помощь",
        "merci beaucoup, très gentil",
        "🙏🙏",
        "ok 日本",
    ]
    found = _read(reader, texts)
    assert counting.batches == [["merci beaucoup, très gentil", "🙏🙏", "ok 日本"]]
    assert found[0].intents == found[1].intents == ()
    assert found[0].meaningful  # still a touch: only the intents are not guessed


def test_a_reading_rule_change_makes_old_rows_stale(classifier: Classifier, monkeypatch: pytest.MonkeyPatch) -> None:
    from everreach.messages import featurerows

    before = FeatureReader(classifier).model_key
    assert before != classifier.definitions_key
    monkeypatch.setattr(featurerows, "READING_VERSION", featurerows.READING_VERSION + 1)
    assert FeatureReader(classifier).model_key != before


@pytest.mark.parametrize("memo_size", [0, 2, 3])
def test_a_small_memo_gives_the_same_features(classifier: Classifier, memo_size: int) -> None:
    unbounded = FeatureReader(classifier)
    small = FeatureReader(classifier, memo_size=memo_size)
    for batch in (TEXTS, TEXTS[::-1], TEXTS[1:3], ["new one", *TEXTS]):
        assert _read(small, batch) == _read(unbounded, batch)
        assert len(small._memo) <= max(memo_size, 5)  # never more than the memo size or one batch's messages
