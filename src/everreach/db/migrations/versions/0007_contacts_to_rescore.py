"""contacts_to_rescore and recompute_marks: a full recompute re-reads only the messages that changed.

Revision ID: 0007
Revises: 0006

An ordinary contact's stored resonance, last touch and totals depend only on its messages and the 90-day
window. So a full recompute need not aggregate every message again: it re-derives them only for contacts
that are new or whose messages changed since the last full recompute (marked in contacts_to_rescore by
triggers on instagram_contacts and instagram_messages, whoever wrote them) and for those with a message
where the old and the new window differ; every other ordinary contact's score follows from its stored
resonance and last touch. recompute_marks holds the instant and the rules of the last full recompute
(relationship/incremental.py). The PostgreSQL objects are the same as in
supabase/migrations/20240701000000_contacts_to_rescore.sql.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from everreach.db.types import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _sqlite_mark(row: str) -> str:
    return (
        f"INSERT OR IGNORE INTO contacts_to_rescore (contact_id) SELECT {row}.contact_id "
        f"WHERE {row}.contact_id IS NOT NULL"
    )


# SQLite: a full recompute now pauses contact_ranks' update trigger by dropping it and creating it again from
# its stored SQL in the same transaction (relationship/ranks.py): a trigger that is merely told to stand down
# still costs a sub-program call per updated row. So the trigger loses its pause test and the pause table goes.
_SQLITE_RANKS_SPAM = (
    "(coalesce(new.tags, '') LIKE '%\"spam\"%' AND json_valid(new.tags) "
    "AND EXISTS (SELECT 1 FROM json_each(new.tags) WHERE value = 'spam'))"
)
_SQLITE_RANKS = (
    "DROP TRIGGER contact_ranks_au",
    "CREATE TRIGGER contact_ranks_au AFTER UPDATE OF id, relationship_score, last_meaningful_touch, tags "
    "ON instagram_contacts WHEN old.id IS NOT new.id OR old.relationship_score IS NOT new.relationship_score "
    "OR old.last_meaningful_touch IS NOT new.last_meaningful_touch OR old.tags IS NOT new.tags BEGIN "
    "DELETE FROM contact_ranks WHERE minus_score = coalesce(-old.relationship_score, 1) AND contact_id = old.id; "
    "INSERT INTO contact_ranks (minus_score, contact_id, last_meaningful_touch, is_spam) VALUES "
    f"(coalesce(-new.relationship_score, 1), new.id, new.last_meaningful_touch, {_SQLITE_RANKS_SPAM}); END",
    "DROP TABLE contact_ranks_paused",
)

# What downgrade() puts back: 0006's trigger, with its pause test.
_SQLITE_RANKS_0006 = _SQLITE_RANKS[1].replace(
    "WHEN old.id IS NOT new.id OR old.relationship_score IS NOT new.relationship_score "
    "OR old.last_meaningful_touch IS NOT new.last_meaningful_touch OR old.tags IS NOT new.tags BEGIN ",
    "WHEN (old.id IS NOT new.id OR old.relationship_score IS NOT new.relationship_score "
    "OR old.last_meaningful_touch IS NOT new.last_meaningful_touch OR old.tags IS NOT new.tags) "
    "AND NOT EXISTS (SELECT 1 FROM contact_ranks_paused) BEGIN ",
)

_SQLITE = (
    *_SQLITE_RANKS,
    "CREATE TRIGGER contacts_to_rescore_new_contact AFTER INSERT ON instagram_contacts BEGIN "
    "INSERT OR IGNORE INTO contacts_to_rescore (contact_id) VALUES (new.id); END",
    f"CREATE TRIGGER contacts_to_rescore_ai AFTER INSERT ON instagram_messages BEGIN {_sqlite_mark('new')}; END",
    f"CREATE TRIGGER contacts_to_rescore_ad AFTER DELETE ON instagram_messages BEGIN {_sqlite_mark('old')}; END",
    "CREATE TRIGGER contacts_to_rescore_au AFTER UPDATE OF contact_id, message_text, is_outbound, "
    f"sent_by_automation, sent_at ON instagram_messages BEGIN {_sqlite_mark('old')}; {_sqlite_mark('new')}; END",
)

_PG_FUNCTION = """CREATE FUNCTION contacts_to_rescore_mark_{rows}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO contacts_to_rescore (contact_id)
  SELECT DISTINCT {column} FROM {rows} WHERE {column} IS NOT NULL
  ON CONFLICT (contact_id) DO NOTHING;
  RETURN NULL;
END
$$"""
_PG_TRIGGER = (
    "CREATE TRIGGER contacts_to_rescore_{name} AFTER {event} ON instagram_messages "
    "REFERENCING {which} TABLE AS {rows} FOR EACH STATEMENT EXECUTE FUNCTION contacts_to_rescore_mark_{rows}()"
)
_POSTGRESQL = (
    _PG_FUNCTION.format(rows="new_contacts", column="id"),
    _PG_FUNCTION.format(rows="new_rows", column="contact_id"),
    _PG_FUNCTION.format(rows="old_rows", column="contact_id"),
    "CREATE TRIGGER contacts_to_rescore_new_contact AFTER INSERT ON instagram_contacts REFERENCING NEW TABLE AS "
    "new_contacts FOR EACH STATEMENT EXECUTE FUNCTION contacts_to_rescore_mark_new_contacts()",
    _PG_TRIGGER.format(name="insert", event="INSERT", which="NEW", rows="new_rows"),
    _PG_TRIGGER.format(name="update_new", event="UPDATE", which="NEW", rows="new_rows"),
    _PG_TRIGGER.format(name="update_old", event="UPDATE", which="OLD", rows="old_rows"),
    _PG_TRIGGER.format(name="delete", event="DELETE", which="OLD", rows="old_rows"),
)


def upgrade() -> None:
    op.create_table(
        "contacts_to_rescore",
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("contact_id", name="contacts_to_rescore_pkey"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "recompute_marks",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("computed_at", UTCDateTime(), nullable=False),
        sa.Column("rules", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="recompute_marks_pkey"),
    )
    for statement in _POSTGRESQL if op.get_bind().dialect.name == "postgresql" else _SQLITE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS contacts_to_rescore_new_contact ON instagram_contacts")
        for name in ("insert", "update_new", "update_old", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS contacts_to_rescore_{name} ON instagram_messages")
        for rows in ("new_contacts", "new_rows", "old_rows"):
            op.execute(f"DROP FUNCTION IF EXISTS contacts_to_rescore_mark_{rows}()")
    else:
        for name in ("new_contact", "ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS contacts_to_rescore_{name}")
        op.execute("CREATE TABLE contact_ranks_paused (paused INTEGER NOT NULL)")
        op.execute("DROP TRIGGER contact_ranks_au")
        op.execute(_SQLITE_RANKS_0006)
    op.drop_table("recompute_marks")
    op.drop_table("contacts_to_rescore")
