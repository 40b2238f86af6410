"""Shared fixtures: the seed's fit signals as definitions, and a classifier over them."""

from __future__ import annotations

import pytest

from everreach.seed.defaults import load_defaults
from everreach.understanding import Classifier, SignalDefinition, get_classifier


def seed_signals() -> list[SignalDefinition]:
    """The 13 default fit signals as the database would hold them after `everreach seed`."""
    return [
        SignalDefinition(s["product"], s["key"], s["description"], tuple(s.get("phrases", [])))
        for s in load_defaults()["fit_signal"]
    ]


@pytest.fixture(scope="session")
def seed_classifier() -> Classifier:
    return get_classifier(seed_signals())
