"""contact_ranks: the contacts in score order with last touch and spam flag, kept by triggers (tasks, attention).

Revision ID: 0006
Revises: 0005
Create Date: 2024-06-01 00:00:00

The weekly tasks and attention walk contacts from the highest score down, ties by id, and skip the ones
touched lately or flagged as spam. On instagram_contacts that walk reads a contact row for every index
entry (the seed's score index holds the score only), thousands of rows when scores bunch. This table is the
walk's own tree: key (minus score, contact id), carrying the two filter columns, so the walk never leaves it.

Triggers on instagram_contacts keep it in step with every writer, EverReach or not. A full recompute pauses
the update trigger while it rewrites many scores and rebuilds the table afterwards in one statement
(relationship/ranks.py): on PostgreSQL the trigger's WHEN reads the transaction-local setting
everreach.ranks_paused; on SQLite the trigger is dropped and created again within the transaction.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from everreach.db.types import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_SPAM = (
    "(coalesce({row}.tags, '') LIKE '%\"spam\"%' AND json_valid({row}.tags) "
    "AND EXISTS (SELECT 1 FROM json_each({row}.tags) WHERE value = 'spam'))"
)
_SQLITE_INSERT = (
    "INSERT INTO contact_ranks (minus_score, contact_id, last_meaningful_touch, is_spam) VALUES "
    "(coalesce(-new.relationship_score, 1), new.id, new.last_meaningful_touch, " + _SQLITE_SPAM.format(row="new") + ")"
)
_SQLITE_DELETE = (
    "DELETE FROM contact_ranks WHERE minus_score = coalesce(-old.relationship_score, 1) AND contact_id = old.id"
)
_SQLITE = (
    f"CREATE TRIGGER contact_ranks_ai AFTER INSERT ON instagram_contacts BEGIN {_SQLITE_INSERT}; END",
    f"CREATE TRIGGER contact_ranks_ad AFTER DELETE ON instagram_contacts BEGIN {_SQLITE_DELETE}; END",
    "CREATE TRIGGER contact_ranks_au AFTER UPDATE OF id, relationship_score, last_meaningful_touch, tags "
    "ON instagram_contacts WHEN old.id IS NOT new.id OR old.relationship_score IS NOT new.relationship_score "
    "OR old.last_meaningful_touch IS NOT new.last_meaningful_touch OR old.tags IS NOT new.tags "
    f"BEGIN {_SQLITE_DELETE}; {_SQLITE_INSERT}; END",
    "INSERT INTO contact_ranks (minus_score, contact_id, last_meaningful_touch, is_spam) "
    "SELECT coalesce(-relationship_score, 1), id, last_meaningful_touch, "
    + _SQLITE_SPAM.format(row="instagram_contacts")
    + " FROM instagram_contacts ORDER BY 1, 2",
)

_POSTGRESQL = (
    """CREATE FUNCTION contact_ranks_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    DELETE FROM contact_ranks
    WHERE minus_score = coalesce(-OLD.relationship_score, 1) AND contact_id = OLD.id;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO contact_ranks (minus_score, contact_id, last_meaningful_touch, is_spam)
    VALUES (coalesce(-NEW.relationship_score, 1), NEW.id, NEW.last_meaningful_touch,
            coalesce(NEW.tags @> ARRAY['spam'], false));
  END IF;
  RETURN NULL;
END
$$""",
    "CREATE TRIGGER contact_ranks_insert AFTER INSERT ON instagram_contacts "
    "FOR EACH ROW EXECUTE FUNCTION contact_ranks_sync()",
    "CREATE TRIGGER contact_ranks_delete AFTER DELETE ON instagram_contacts "
    "FOR EACH ROW EXECUTE FUNCTION contact_ranks_sync()",
    "CREATE TRIGGER contact_ranks_update AFTER UPDATE OF id, relationship_score, last_meaningful_touch, tags "
    "ON instagram_contacts FOR EACH ROW WHEN ("
    "(OLD.id, OLD.relationship_score, OLD.last_meaningful_touch, OLD.tags) IS DISTINCT FROM "
    "(NEW.id, NEW.relationship_score, NEW.last_meaningful_touch, NEW.tags) "
    "AND current_setting('everreach.ranks_paused', true) IS DISTINCT FROM 'on') "
    "EXECUTE FUNCTION contact_ranks_sync()",
    "INSERT INTO contact_ranks (minus_score, contact_id, last_meaningful_touch, is_spam) "
    "SELECT coalesce(-relationship_score, 1), id, last_meaningful_touch, coalesce(tags @> ARRAY['spam'], false) "
    "FROM instagram_contacts",
)


def upgrade() -> None:
    op.create_table(
        "contact_ranks",
        sa.Column("minus_score", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("last_meaningful_touch", UTCDateTime(), nullable=True),
        sa.Column("is_spam", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint(
            "minus_score",
            "contact_id",
            name="contact_ranks_pkey",
            postgresql_include=["last_meaningful_touch", "is_spam"],
        ),
        sqlite_with_rowid=False,
    )
    for statement in _POSTGRESQL if op.get_context().dialect.name == "postgresql" else _SQLITE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS contact_ranks_{trigger} ON instagram_contacts")
        op.execute("DROP FUNCTION IF EXISTS contact_ranks_sync()")
    else:
        for trigger in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS contact_ranks_{trigger}")
    op.drop_table("contact_ranks")
