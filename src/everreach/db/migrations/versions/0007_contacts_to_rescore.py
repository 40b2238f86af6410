"""contacts_to_rescore and recompute_marks: a full recompute re-reads only the messages that changed.

Revision ID: 0007
Revises: 0006
Create Date: 2024-07-01 00:00:00

An ordinary contact's stored resonance, last touch and totals depend only on its messages and the 90-day
window. So a full recompute need not aggregate every message again: it re-derives them only for contacts
that are new or whose messages changed since the last full recompute (marked in contacts_to_rescore by
triggers on instagram_contacts and instagram_messages, whoever wrote them) and for those with a message
where the old and the new window differ; every other ordinary contact's score follows from its stored
resonance and last touch. recompute_marks holds the instant and the rules of the last full recompute
(relationship/incremental.py).
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


_SQLITE = (
    "CREATE TRIGGER contacts_to_rescore_new_contact AFTER INSERT ON instagram_contacts BEGIN "
    "INSERT OR IGNORE INTO contacts_to_rescore (contact_id) VALUES (new.id); END",
    f"CREATE TRIGGER contacts_to_rescore_ai AFTER INSERT ON instagram_messages BEGIN {_sqlite_mark('new')}; END",
    f"CREATE TRIGGER contacts_to_rescore_ad AFTER DELETE ON instagram_messages BEGIN {_sqlite_mark('old')}; END",
    "CREATE TRIGGER contacts_to_rescore_au AFTER UPDATE OF contact_id, message_text, is_outbound, "
    f"sent_by_automation, sent_at ON instagram_messages BEGIN {_sqlite_mark('old')}; {_sqlite_mark('new')}; END",
)

_PG_FUNCTION = """CREATE FUNCTION contacts_to_rescore_mark_{what}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO contacts_to_rescore (contact_id)
  SELECT DISTINCT {column} FROM changed_rows WHERE {column} IS NOT NULL
  ON CONFLICT (contact_id) DO NOTHING;
  RETURN NULL;
END
$$"""
# Each trigger names its transition table changed_rows: the new rows of an insert, the old ones of a delete,
# and for an update both, through two triggers.
_PG_TRIGGER = (
    "CREATE TRIGGER contacts_to_rescore_{name} AFTER {event} ON {table} REFERENCING {which} TABLE AS "
    "changed_rows FOR EACH STATEMENT EXECUTE FUNCTION contacts_to_rescore_mark_{what}()"
)
_POSTGRESQL = (
    _PG_FUNCTION.format(what="contacts", column="id"),
    _PG_FUNCTION.format(what="messages", column="contact_id"),
    _PG_TRIGGER.format(name="new_contact", event="INSERT", table="instagram_contacts", which="NEW", what="contacts"),
    *(
        _PG_TRIGGER.format(name=name, event=event, table="instagram_messages", which=which, what="messages")
        for name, event, which in (
            ("insert", "INSERT", "NEW"),
            ("update_new", "UPDATE", "NEW"),
            ("update_old", "UPDATE", "OLD"),
            ("delete", "DELETE", "OLD"),
        )
    ),
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
    for statement in _POSTGRESQL if op.get_context().dialect.name == "postgresql" else _SQLITE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS contacts_to_rescore_new_contact ON instagram_contacts")
        for name in ("insert", "update_new", "update_old", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS contacts_to_rescore_{name} ON instagram_messages")
        for what in ("contacts", "messages"):
            op.execute(f"DROP FUNCTION IF EXISTS contacts_to_rescore_mark_{what}()")
    else:
        for name in ("new_contact", "ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS contacts_to_rescore_{name}")
    op.drop_table("recompute_marks")
    op.drop_table("contacts_to_rescore")
