"""The classifier over the seed's signals: near-misses, direction, evidence, batches and the cache."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from everreach.understanding import (
    INBOUND_INTENTS,
    OUTBOUND_INTENTS,
    Classifier,
    MessageToRead,
    SignalDefinition,
    get_classifier,
)
from everreach.understanding.definitions import Definitions, build_definitions
from tests.understanding.conftest import seed_signals


def keys(classifier: Classifier, text: str, *, outbound: bool = False, automated: bool = False) -> set[str]:
    return {m.key for m in classifier.classify([MessageToRead(text, outbound, automated)])[0]}


@pytest.mark.parametrize(
    "text", ["i never forget to follow up", "i know exactly what to post", "thanks for following up so quickly"]
)
def test_near_misses_match_no_fit_signal(seed_classifier: Classifier, text: str) -> None:
    signals = {c.key for c in seed_classifier.classes if c.kind == "fit_signal"}
    assert keys(seed_classifier, text) & signals == set()


def test_exact_phrasings_still_match(seed_classifier: Classifier) -> None:
    assert "follow_up_messy" in keys(seed_classifier, "i always forget to follow up w ppl")
    assert "network_messy" in keys(seed_classifier, "my dms are a mess")


def test_direction_rules(seed_classifier: Classifier) -> None:
    assert keys(seed_classifier, "i'll send you the template tomorrow", outbound=True) == {"promise"}
    assert keys(seed_classifier, "i'll send you the template tomorrow", outbound=True, automated=True) == set()
    outbound = keys(seed_classifier, "i always forget to follow up too lol", outbound=True)
    assert outbound <= set(OUTBOUND_INTENTS)
    inbound = keys(seed_classifier, "thank you so much for the intro!")
    assert "thanks" in inbound
    assert inbound <= {c.key for c in seed_classifier.classes if not c.outbound}
    assert set(INBOUND_INTENTS).isdisjoint(OUTBOUND_INTENTS)


def test_every_match_carries_its_evidence(seed_classifier: Classifier) -> None:
    (match,) = seed_classifier.classify([MessageToRead("what do you think of my new logo?", False)])[0]
    assert match.kind == "intent"
    assert match.key == "asks_opinion"
    assert match.product is None
    assert 0.5 < match.probability <= 1.0
    opinion = next(c for c in seed_classifier.classes if c.key == "asks_opinion")
    assert match.nearest_phrase in opinion.examples
    assert match.source == "model"
    found = seed_classifier.classify([MessageToRead("my dms are a mess", False)])[0]
    signal = next(m for m in found if m.kind == "fit_signal")
    assert (signal.key, signal.product, signal.source) == ("network_messy", "everreach", "model")
    friction = next(m for m in found if m.key == "describes_friction")
    assert friction.probability >= signal.probability  # a signal is a friction the user named
    assert friction.nearest_phrase == signal.nearest_phrase  # ... and that is its evidence


def test_the_lexical_matcher_adds_exact_phrasings_the_model_misses(
    seed_classifier: Classifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unsure(sums: object, negated: object, outbound: NDArray[np.bool_]) -> NDArray[np.float32]:
        # The model near every class (above the lexical gate) but sure of none.
        return np.full((len(outbound), len(seed_classifier.classes)), 0.05, dtype=np.float32)

    monkeypatch.setattr(seed_classifier, "_softmax", unsure)
    found = {m.key: m for m in seed_classifier.classify([MessageToRead("i never follow up with anyone lol", False)])[0]}
    assert found["follow_up_messy"].source == "lexical"
    assert found["follow_up_messy"].nearest_phrase == "i never follow up"
    assert found["describes_friction"].source == "lexical"  # a signal is a friction the user named
    assert seed_classifier.classify([MessageToRead("lol", False)])[0] == ()


def test_each_sentence_is_read(seed_classifier: Classifier) -> None:
    text = "thanks so much for the call yesterday! also my inbox is total chaos these days"
    assert {"thanks", "network_messy", "describes_friction"} <= keys(seed_classifier, text)


def test_a_batch_reads_like_one_message_at_a_time(seed_classifier: Classifier) -> None:
    texts = ["", "lol", "my inbox is chaos", "yes please send it", "my inbox is chaos", "🙏", "we launched!!"]
    batch = seed_classifier.classify([MessageToRead(t, False) for t in texts])
    assert batch == [seed_classifier.classify([MessageToRead(t, False)])[0] for t in texts]
    assert batch[0] == ()
    assert batch[2] == batch[4]
    for matches in batch:
        assert [m.probability for m in matches] == sorted((m.probability for m in matches), reverse=True)


def test_cached_by_the_definitions() -> None:
    first = get_classifier(seed_signals())
    assert get_classifier(seed_signals()) is first
    changed = [*seed_signals()[:-1], SignalDefinition("services", "needs_system_build", "changed", ("a b c",))]
    other = get_classifier(changed)
    assert other is not first
    assert other.definitions_key != first.definitions_key


def test_texts_read_before_come_from_a_bounded_memo(monkeypatch: pytest.MonkeyPatch) -> None:
    from everreach.understanding import classifier as classifier_module

    fresh = Classifier(seed_classifier_definitions(), get_classifier(seed_signals()).model, "test")
    monkeypatch.setattr(classifier_module, "MEMO_SIZE", 4)
    texts = [f"thanks for the tip number {n}" for n in range(6)] + ["my inbox is chaos"]
    first = [fresh.classify([MessageToRead(t, False)])[0] for t in texts]  # the memo takes one batch at a time
    assert 0 < len(fresh._memo) <= 4
    again = fresh.classify([MessageToRead(t, False) for t in reversed(texts)])
    assert again == first[::-1]
    assert fresh.classify([MessageToRead("my inbox is chaos", True, automated=True)]) == [()]
    long = "my inbox is chaos and i never know what to post. " * 8  # long texts rarely repeat: not kept
    assert fresh.classify([MessageToRead(long, False)])[0]
    assert (long, False) not in fresh._memo
    kept = dict(fresh._memo)
    unseen = [MessageToRead(f"see you at {n} then", False) for n in range(3)]
    assert fresh.classify(unseen, remember=False) == fresh.classify(unseen)
    fresh._memo.clear()
    fresh._memo.update(kept)
    fresh.classify(unseen, remember=False)
    assert fresh._memo == kept  # a caller with a memo of its own leaves this one as it was


def seed_classifier_definitions() -> Definitions:
    return build_definitions(tuple(seed_signals()))
