"""Shared shape of benchmark figures: each measured value beside a baseline measured in the same run."""

from __future__ import annotations

import math
import os
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
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

    def __post_init__(self) -> None:
        """Fill in value / baseline when the module left the ratio out."""
        if not self.ratio and self.baseline_value:
            self.ratio = self.value / self.baseline_value

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


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0-100) of the samples, nearest-rank (no interpolation, so p99 is a real sample)."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


# ---------------------------------------------------------------------------------------------------------
# Where benchmark data lives: generated files under bench/data/, throwaway PostgreSQL databases
# ---------------------------------------------------------------------------------------------------------

DATA_DIR = Path(__file__).parent / "data"
PG_ADMIN_URL = os.environ.get("EVERREACH_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def bench_engines() -> list[str]:
    """Engines to measure: EVERREACH_BENCH_ENGINES (comma list), default sqlite and postgresql."""
    raw = os.environ.get("EVERREACH_BENCH_ENGINES", "sqlite,postgresql")
    return [name.strip() for name in raw.split(",") if name.strip()]


def data_path(name: str) -> Path:
    """A file under bench/data/ (created on demand; the folder is git-ignored)."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return DATA_DIR / name


def fresh_sqlite_url(name: str) -> str:
    """The URL of a brand-new (deleted if present) SQLite file under bench/data/."""
    path = data_path(name)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


@contextmanager
def pg_scratch_url(prefix: str) -> Iterator[str]:
    """A throwaway empty PostgreSQL database on the local server for the block; dropped afterwards."""
    from sqlalchemy import create_engine, text

    name = f"bench_{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    base = PG_ADMIN_URL.rpartition("/")[0]
    admin = create_engine(PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def engine_url(engine: str, name: str) -> Iterator[str]:
    """A fresh database URL on `engine` ('sqlite' file under bench/data/, or a PostgreSQL scratch database)."""
    if engine == "sqlite":
        yield fresh_sqlite_url(f"{name}.db")
    else:
        with pg_scratch_url(name) as url:
            yield url
