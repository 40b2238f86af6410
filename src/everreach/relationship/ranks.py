"""contact_ranks: the score-ordered tree that the weekly tasks and attention walk (see migration 0006).

Triggers on instagram_contacts keep it in step row by row. A full recompute rewrites many scores at once,
where a trigger per row would cost more than the rewrite itself, so it runs inside `paused`: the update
trigger stands down and the table is rebuilt from instagram_contacts in one statement at the end, all in
the caller's transaction. On PostgreSQL the trigger's WHEN reads the transaction-local setting
everreach.ranks_paused (other sessions are never paused, and no lock is taken); on SQLite, where even a
trigger that does nothing costs a sub-program call per row, it is dropped and created again from its own
stored SQL (DDL is transactional there, and a SQLite database has one writer at a time).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, delete, func, insert, select, text

from everreach.contacts.spam import spam_sql
from everreach.db.models import Contact
from everreach.db.models_derived import ContactRank
from everreach.errors import DatabaseError
from everreach.relationship import counts

PAUSE_SETTING = "everreach.ranks_paused"
SQLITE_UPDATE_TRIGGER = "contact_ranks_au"


def rebuild(conn: Connection) -> None:
    """Replace every row of contact_ranks with one per contact, from instagram_contacts as it is now."""
    key = func.coalesce(-Contact.relationship_score, 1)
    rows = select(key, Contact.id, Contact.last_meaningful_touch, spam_sql(conn.dialect.name)).order_by(
        key, Contact.id
    )  # written in key order: appends to the tree (SQLite) and a heap in walk order (PostgreSQL)
    conn.execute(delete(ContactRank))
    columns = ["minus_score", "contact_id", "last_meaningful_touch", "is_spam"]
    conn.execute(insert(ContactRank).from_select(columns, rows))


@contextmanager
def paused(conn: Connection) -> Iterator[None]:
    """Run the block with the update trigger off, then rebuild contact_ranks (all in the caller's transaction).

    On an error nothing is rebuilt: the caller's rollback undoes the block and the pause together.
    """
    pg = conn.dialect.name == "postgresql"
    if pg:
        conn.execute(text("SELECT set_config(:name, 'on', true)"), {"name": PAUSE_SETTING})
    else:
        ddl = conn.scalar(
            text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name"),
            {"name": SQLITE_UPDATE_TRIGGER},
        )
        if ddl is None:
            raise DatabaseError(
                f"trigger {SQLITE_UPDATE_TRIGGER} is missing from this database; `everreach db upgrade` adds it"
            )
        conn.exec_driver_sql(f"DROP TRIGGER {SQLITE_UPDATE_TRIGGER}")
    with counts.paused(conn):  # the dashboard's stage and score totals stand down and are rebuilt alike
        yield
    rebuild(conn)
    if pg:
        conn.execute(text("SELECT set_config(:name, 'off', true)"), {"name": PAUSE_SETTING})
    else:
        conn.exec_driver_sql(ddl)
