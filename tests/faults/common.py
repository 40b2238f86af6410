"""Shared by the fault tests: kill -9 at a chosen moment, reset a database, check it is consistent."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import statistics
import time
from collections.abc import Callable

from sqlalchemy import Engine, and_, func, select, text

from everreach.backup.tables import clear_tables, row_counts
from everreach.db.models import Base, Contact
from everreach.db.models_derived import ContactRank

_FORK = multiprocessing.get_context("fork")


def run_and_kill(target: Callable[[], None], *, after: float | None) -> float | None:
    """Run `target` in a forked child and SIGKILL it `after` seconds in (never when None).

    Returns None when the child was killed while still running, else how long it took to finish on its own.
    Forking (rather than starting a new interpreter) puts the kill inside the real work instead of inside
    Python's start-up, so the random points spread over the import or the worker's sends.
    """
    started = time.perf_counter()
    child = _FORK.Process(target=target, daemon=True)
    child.start()
    child.join(after)
    elapsed = time.perf_counter() - started
    killed = child.is_alive()
    if killed:
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
    child.join(30)
    assert not child.is_alive(), "the child survived SIGKILL"
    if killed:
        return None
    assert child.exitcode == 0, f"the child failed on its own (exit {child.exitcode})"
    return elapsed


class KillPoints:
    """Seeded random kill times over the length of a whole run in a forked child.

    The length is the median of every whole run seen so far (the calibration runs, then each trial the child
    finished before its kill): one slow measurement on a busy machine would otherwise put most kills after the
    end, and the trials would run out before enough of them landed mid-way.
    """

    def __init__(self, seed: int, whole_runs: list[float]) -> None:
        assert whole_runs, "at least one whole run to measure"
        self._rng = random.Random(seed)
        self._runs = list(whole_runs)

    def next(self) -> float:
        return self._rng.uniform(0.0, statistics.median(self._runs))

    def finished(self, elapsed: float) -> None:
        self._runs.append(elapsed)


def reset(engine: Engine) -> None:
    """Empty every table."""
    with engine.begin() as conn:
        clear_tables(conn)


def counts(engine: Engine) -> dict[str, int]:
    """Rows per table."""
    with engine.connect() as conn:
        return row_counts(conn)


def assert_consistent(engine: Engine) -> None:
    """SQLite: integrity, foreign keys and the search index all check out; PostgreSQL: no orphan rows."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            assert conn.execute(text("PRAGMA integrity_check")).scalars().all() == ["ok"]
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
            conn.execute(text("INSERT INTO instagram_messages_fts(instagram_messages_fts) VALUES ('integrity-check')"))
            conn.rollback()
        for table in Base.metadata.sorted_tables:
            for fk in table.foreign_keys:
                parent = fk.column.table
                orphans = conn.execute(
                    select(func.count())
                    .select_from(table.outerjoin(parent, fk.parent == fk.column))
                    .where(and_(fk.parent.is_not(None), fk.column.is_(None)))
                ).scalar_one()
                assert orphans == 0, f"{table.name}.{fk.parent.name}: {orphans} rows point nowhere"
        # contact_ranks is the exact image of the contact rows (its triggers commit or die with them).
        contacts = conn.execute(select(Contact.relationship_score, Contact.id, Contact.last_meaningful_touch)).all()
        ranks = conn.execute(select(ContactRank.minus_score, ContactRank.contact_id, ContactRank.last_meaningful_touch))
        assert sorted(tuple(r) for r in ranks) == sorted((1 if s is None else -s, i, t) for s, i, t in contacts)
