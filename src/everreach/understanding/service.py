"""The classifier's entry points: trained once per set of definitions, cached, lexical-only when needed."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from everreach.understanding.classifier import LEXICAL_NAME, Classifier
from everreach.understanding.definitions import build_definitions
from everreach.understanding.model import MODEL_NAME, ModelUnavailableError, load_model
from everreach.understanding.types import SignalDefinition

log = logging.getLogger(__name__)
_CACHE: dict[str, Classifier] = {}
_CACHE_SIZE = 8


def get_classifier(signals: Sequence[SignalDefinition], *, use_model: bool = True) -> Classifier:
    """Trained (about a second) or taken from the cache keyed by the definitions; lexical alone without model."""
    definitions = build_definitions(tuple(signals))
    model = None
    if use_model:
        try:
            model = load_model()
        except ModelUnavailableError as exc:
            log.warning("message understanding falls back to the lexical matcher: %s", exc)
    key = definitions.key(MODEL_NAME if model is not None else LEXICAL_NAME)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    classifier = Classifier(definitions, model, key)
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = classifier
    return classifier


def clear_cache() -> None:
    """Forget every trained classifier (tests, or after the model files change)."""
    _CACHE.clear()
