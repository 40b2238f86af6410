"""The Scrubber's edges: what it reports as changed, what replaces what, and exactly how deep it walks.

Written to kill the mutants mutmut left alive in ingest/text.py (tests/MUTATION.md lists the equivalent ones).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from everreach.ingest.text import MAX_DEPTH, Scrubber, TooDeepError, fix_deep


def _nested_lists(levels: int) -> list[object]:
    value: list[object] = ["é"]
    for _ in range(levels - 1):
        value = [value]
    return value


def _nested_dicts(levels: int) -> dict[str, object]:
    value: dict[str, object] = {"k": "v"}
    for _ in range(levels - 1):
        value = {"k": value}
    return value


def test_a_new_scrubber_has_changed_nothing() -> None:
    scrubber = Scrubber()
    assert scrubber.changed is False
    assert scrubber.text("plain text") == "plain text"
    assert scrubber.deep({"a": ["b", 1, 2.5, None, True]}) == {"a": ["b", 1, 2.5, None, True]}
    assert scrubber.changed is False


def test_a_nul_is_dropped_and_a_lone_surrogate_becomes_the_replacement_character() -> None:
    scrubber = Scrubber()
    assert scrubber.text("a\x00b\ud800c\udfffd") == "ab\ufffdc\ufffdd"
    assert scrubber.changed is True


@pytest.mark.parametrize("text", ["\x00", "\ud800"])
def test_any_scrub_marks_the_scrubber_changed(text: str) -> None:
    scrubber = Scrubber()
    scrubber.text(text)
    assert scrubber.changed is True


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_become_none_and_count_as_a_change(number: float) -> None:
    scrubber = Scrubber()
    assert scrubber.deep({"x": [number]}) == {"x": [None]}
    assert scrubber.changed is True


@pytest.mark.parametrize("nest", [_nested_lists, _nested_dicts])
def test_max_depth_levels_are_walked_and_one_more_is_refused(nest: Callable[[int], object]) -> None:
    deepest = fix_deep(nest(MAX_DEPTH))
    walked = deepest
    for _ in range(MAX_DEPTH - 1):
        walked = walked[0] if isinstance(walked, list) else walked["k"]
    assert walked in (["é"], {"k": "v"})
    with pytest.raises(TooDeepError, match=f"more than {MAX_DEPTH} levels"):
        fix_deep(nest(MAX_DEPTH + 1))


def test_mixed_nesting_counts_every_level() -> None:
    value: object = "x"
    for level in range(MAX_DEPTH + 1):
        value = [value] if level % 2 else {"k": value}
    with pytest.raises(TooDeepError):
        fix_deep(value)
    assert fix_deep(value[0] if isinstance(value, list) else value["k"]) is not None  # type: ignore[index]
