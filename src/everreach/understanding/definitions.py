"""Definitions of what the classifier recognises: the packaged intents and "none" class, and the fit signals."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from everreach.understanding.types import INBOUND_INTENTS, OUTBOUND_INTENTS, SignalDefinition


@dataclass(frozen=True, slots=True)
class ClassDefinition:
    """One class the classifier is trained on: an intent or a fit signal."""

    kind: str  # "intent" or "fit_signal"
    key: str
    product: str | None
    outbound: bool
    description: str
    phrases: tuple[str, ...]
    extra: tuple[str, ...] = ()  # packaged training phrases of a default fit signal (model only)

    @property
    def examples(self) -> tuple[str, ...]:
        """The description and the example phrases."""
        return (self.description, *self.phrases)

    @property
    def training(self) -> tuple[str, ...]:
        """Every text the model learns this class from: the examples, then the packaged extra phrases."""
        return (*self.examples, *self.extra)


@dataclass(frozen=True, slots=True)
class Definitions:
    """Every class, and the near-misses and ordinary chat of each direction."""

    classes: tuple[ClassDefinition, ...]
    none_inbound: tuple[str, ...]
    none_outbound: tuple[str, ...]

    def key(self, model_name: str) -> str:
        """A stable hash of every definition and the model name."""
        return hashlib.sha256(repr((model_name, self)).encode()).hexdigest()[:16]


def _data(name: str) -> dict[str, Any]:
    return tomllib.loads(resources.files("everreach.understanding").joinpath(f"data/{name}").read_text("utf-8"))


@lru_cache(maxsize=1)
def packaged_intents() -> tuple[tuple[ClassDefinition, ...], tuple[str, ...], tuple[str, ...]]:
    """The intents and none class shipped in understanding/data (intents.toml, phrases.toml, none.toml)."""
    raw, more, none = _data("intents.toml"), _data("phrases.toml"), _data("none.toml")
    intents = []
    for key in (*INBOUND_INTENTS, *OUTBOUND_INTENTS):
        entry = raw["intent"][key]
        phrases = dict.fromkeys([*entry["phrases"], *more["intent"][key]["phrases"]])
        intents.append(
            ClassDefinition(
                kind="intent",
                key=key,
                product=None,
                outbound=entry["direction"] == "outbound",
                description=entry["description"],
                phrases=tuple(phrases),
            )
        )
    none_in = tuple(dict.fromkeys([*raw["none"]["inbound"], *none["none"]["inbound"]]))
    none_out = tuple(dict.fromkeys([*raw["none"]["outbound"], *none["none"]["outbound"]]))
    return tuple(intents), none_in, none_out


@lru_cache(maxsize=1)
def packaged_signal_phrases() -> dict[tuple[str, str], tuple[str, ...]]:
    """Extra training phrases of the seed's default fit signals, by (product, key) (data/signals.toml)."""
    raw = _data("signals.toml")
    return {(product, key): tuple(entry["phrases"]) for product, keys in raw.items() for key, entry in keys.items()}


def build_definitions(signals: tuple[SignalDefinition, ...]) -> Definitions:
    """The packaged intents plus these fit signals (in the given order)."""
    intents, none_in, none_out = packaged_intents()
    extra = packaged_signal_phrases()
    fits = tuple(
        ClassDefinition(
            "fit_signal", s.key, s.product, False, s.description, tuple(s.phrases), extra.get((s.product, s.key), ())
        )
        for s in signals
    )
    return Definitions(fits + intents, none_in, none_out)
