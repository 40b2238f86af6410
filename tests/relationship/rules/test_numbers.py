"""Rounding and clamping shared by every rule."""

from __future__ import annotations

from everreach.relationship.rules.numbers import clamp20


def test_clamp20_rounds_halves_up_and_float_noise_away() -> None:
    assert [clamp20(v) for v in (0.5, 2.5, 19.5, 25.0, -3.0)] == [1, 3, 20, 20, 0]
    assert clamp20(2.5 - 1e-10) == 3  # noise below 1e-9 is no real difference
    assert clamp20(2.5 - 1e-6) == 2
