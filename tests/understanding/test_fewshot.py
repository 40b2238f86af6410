"""Signals a user adds with three phrases: paraphrases of them are found, near-misses (a good state, a question,
someone else's) are not; over the six signals of fewshot_validation.toml, each added beside the seed's."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from everreach.understanding import MessageToRead, SignalDefinition, get_classifier
from tests.understanding.conftest import seed_signals

SIGNALS: list[dict[str, Any]] = tomllib.loads((Path(__file__).parent / "fewshot_validation.toml").read_text())["signal"]
PARAPHRASES_FOUND_FLOOR = 15  # of 24; 17 when last measured


def _found(signal: dict[str, Any], texts: list[str]) -> list[set[str]]:
    added = SignalDefinition(signal["product"], signal["key"], signal["description"], tuple(signal["phrases"]))
    classifier = get_classifier(sorted([*seed_signals(), added], key=lambda s: (s.product, s.key)))
    found = classifier.classify([MessageToRead(t, False) for t in texts])
    return [{m.key for m in matches if m.kind == "fit_signal"} for matches in found]


@pytest.mark.parametrize("signal", SIGNALS, ids=[s["key"] for s in SIGNALS])
def test_no_near_miss_matches_a_new_signal(signal: dict[str, Any]) -> None:
    assert [
        t for t, keys in zip(signal["near_misses"], _found(signal, signal["near_misses"]), strict=True) if keys
    ] == []


def test_most_paraphrases_of_new_signals_are_found() -> None:
    found = sum(s["key"] in keys for s in SIGNALS for keys in _found(s, s["paraphrases"]))
    assert found >= PARAPHRASES_FOUND_FLOOR
