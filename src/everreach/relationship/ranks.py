"""contact_ranks: the score-ordered tree that the weekly tasks and attention walk (see migration 0006).

Triggers on instagram_contacts keep it in step row by row. A full recompute rewrites nearly every score at
once, where a trigger per row would cost more than the rewrite itself, so it runs inside `paused`: the
update trigger stands down (a row in contact_ranks_paused on SQLite; the transaction-local setting
everreach.ranks_paused on PostgreSQL, so other sessions are never paused) and the table is rebuilt from
instagram_contacts in one statement at the end, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Boolean, ColumnElement, Connection, delete, func, insert, literal_column, select, text

from everreach.db.models import Contact, ContactRank

PAUSE_SETTING = "everreach.ranks_paused"


def spam_sql(dialect: str) -> ColumnElement[bool]:
    """The contact is flagged as spam: 'spam' is one of its tags (TEXT[] on PostgreSQL, a JSON list on SQLite)."""
    if dialect == "postgresql":
        return literal_column("coalesce(instagram_contacts.tags @> ARRAY['spam'], false)", Boolean)
    # A LIKE on the JSON text first: cheap, and only the rare rows it lets through pay for json_each.
    return literal_column(
        "(coalesce(instagram_contacts.tags, '') LIKE '%\"spam\"%' AND json_valid(instagram_contacts.tags) "
        "AND EXISTS (SELECT 1 FROM json_each(instagram_contacts.tags) WHERE value = 'spam'))",
        Boolean,
    )


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
        conn.execute(text("INSERT INTO contact_ranks_paused (paused) VALUES (1)"))
    yield
    rebuild(conn)
    if pg:
        conn.execute(text("SELECT set_config(:name, 'off', true)"), {"name": PAUSE_SETTING})
    else:
        conn.execute(text("DELETE FROM contact_ranks_paused"))
