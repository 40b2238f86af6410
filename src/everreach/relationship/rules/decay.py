"""Exponential decay in separable form, so per-contact sums can be kept in SQL and slid forward by one factor.

Σ wᵢ·0.5^((now-tᵢ)/h) = 0.5^(now/h) · Σ wᵢ·2^(tᵢ/h), with t in days since EPOCH. The epoch (2020-01-01 UTC)
keeps the stored terms well inside a double: with the shortest half-life the rules sum over (60 days),
2^(t/60) stays below 2^100 until the year 2036 and the half-life of 180 days until 2069; a term of a message
from 2010 is about 2^-60, far above the smallest double. The rule functions use the direct form; a stored sum
of `growth_term`s multiplied by `decay_factor` gives the same number (tests hold the two together).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from everreach.relationship.rules.numbers import DAY, days_between

EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
RECENCY_HALF_LIFE = 14.0
VALUE_HALF_LIFE = 60.0
RESONANCE_HALF_LIFE = 180.0


def day_number(at: datetime) -> float:
    """Days since EPOCH (fractional; negative before 2020)."""
    return (at - EPOCH) / DAY


def growth_term(weight: float, at: datetime, half_life: float) -> float:
    """wᵢ·2^(tᵢ/h): what one item adds to a stored separable sum."""
    return float(weight * 2.0 ** (day_number(at) / half_life))


def decay_factor(now: datetime, half_life: float) -> float:
    """0.5^(now/h): the factor that turns a stored sum of growth terms into the decayed sum at `now`."""
    return float(0.5 ** (day_number(now) / half_life))


def separable_sum(stored: float, *, now: datetime, half_life: float) -> float:
    """The decayed sum at `now` from a stored Σ wᵢ·2^(tᵢ/h)."""
    return stored * decay_factor(now, half_life)


def decayed_sum(items: Iterable[tuple[float, datetime]], *, now: datetime, half_life: float) -> float:
    """Σ wᵢ·0.5^((now-tᵢ)/h) over (weight, time) pairs, computed directly."""
    return float(sum(w * 0.5 ** (days_between(t, now) / half_life) for w, t in items))
