"""Shared by the fault tests: kill -9 at a chosen moment, reset a database, check it is consistent."""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable

from sqlalchemy import Engine, and_, func, select, text

from everreach.backup.tables import clear_tables, row_counts
from everreach.db.models import Base, Contact
from everreach.db.models_derived import ContactRank

_FORK = multiprocessing.get_context("fork")


def run_and_kill(target: Callable[[], None], *, after: float) -> bool:
    """Run `target` in a forked child and SIGKILL it `after` seconds in; True when it was still running.

    Forking (rather than starting a new interpreter) puts the kill inside the real work instead of inside
    Python's start-up, so the random points spread over the import or the worker's sends.
    """
    child = _FORK.Process(target=target, daemon=True)
    child.start()
    child.join(after)
    killed = child.is_alive()
    if killed:
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
    child.join(30)
    assert not child.is_alive(), "the child survived SIGKILL"
    if not killed:
        assert child.exitcode == 0, f"the child failed on its own (exit {child.exitcode})"
    return killed


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
