"""Definitions of what the classifier recognises: the packaged intents and "none" class, and the fit signals."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

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

    @property
    def examples(self) -> tuple[str, ...]:
        """The description and the example phrases."""
        return (self.description, *self.phrases)


@dataclass(frozen=True, slots=True)
class Definitions:
    """Every class, and the near-misses and ordinary chat of each direction."""

    classes: tuple[ClassDefinition, ...]
    none_inbound: tuple[str, ...]
    none_outbound: tuple[str, ...]

    def key(self, model_name: str) -> str:
        """A stable hash of every definition and the model name."""
        return hashlib.sha256(repr((model_name, self)).encode()).hexdigest()[:16]


@lru_cache(maxsize=1)
def packaged_intents() -> tuple[tuple[ClassDefinition, ...], tuple[str, ...], tuple[str, ...]]:
    """The intents and none class shipped in understanding/data/intents.toml."""
    raw = tomllib.loads(resources.files("everreach.understanding").joinpath("data/intents.toml").read_text())
    intents = []
    for key in (*INBOUND_INTENTS, *OUTBOUND_INTENTS):
        entry = raw["intent"][key]
        intents.append(
            ClassDefinition(
                kind="intent",
                key=key,
                product=None,
                outbound=entry["direction"] == "outbound",
                description=entry["description"],
                phrases=tuple(entry["phrases"]),
            )
        )
    return tuple(intents), tuple(raw["none"]["inbound"]), tuple(raw["none"]["outbound"])


def build_definitions(signals: tuple[SignalDefinition, ...]) -> Definitions:
    """The packaged intents plus these fit signals (in the given order)."""
    intents, none_in, none_out = packaged_intents()
    fits = tuple(
        ClassDefinition("fit_signal", s.key, s.product, False, s.description, tuple(s.phrases)) for s in signals
    )
    return Definitions(fits + intents, none_in, none_out)
