"""Rounding, clamping and time arithmetic shared by every rule (pure)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

DAY = timedelta(days=1)
COMPONENT_MAX = 20


def round_half_up(value: float) -> int:
    """Round to the nearest whole number, halves up (Python's round() would go to even)."""
    return math.floor(value + 0.5)


def clamp20(value: float) -> int:
    """A component value: rounded half up and kept within 0..20."""
    return max(0, min(COMPONENT_MAX, round_half_up(round(value, 9))))


def days_between(earlier: datetime, later: datetime) -> float:
    """Days from `earlier` to `later` (negative when `later` comes first)."""
    return (later - earlier) / DAY


def age_days(at: datetime, *, now: datetime) -> float:
    """Days since `at`, never negative."""
    return max(0.0, days_between(at, now))


def half_life_weight(age: float, half_life: float) -> float:
    """0.5^(age / half_life): the weight of something `age` days old."""
    return float(0.5 ** (age / half_life))


def short_date(at: datetime) -> str:
    """A date a person reads: '3 Mar 2025'."""
    return f"{at.day} {at.strftime('%b %Y')}"
