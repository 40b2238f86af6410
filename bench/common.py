"""Shared shape of benchmark figures: each measured value beside a baseline measured in the same run."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Figure:
    """One benchmark figure.

    `ratio` is value / baseline when `higher_is_better` is False (times), baseline / value otherwise turned
    around so that the target always reads "ratio <= target" for times and "ratio >= target" for throughputs.
    """

    area: str
    name: str
    engine: str
    value: float
    unit: str
    baseline_name: str
    baseline_value: float
    target: str
    ok: bool
    ratio: float = field(default=0.0)
    notes: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def timed(fn: Callable[[], object]) -> float:
    """Wall-clock seconds of one call."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median_ms(fn: Callable[[], object], *, runs: int = 25, warmup: int = 3) -> float:
    """Median milliseconds over `runs` calls after `warmup` calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)
