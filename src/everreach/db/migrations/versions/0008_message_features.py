"""message_features and evidence_reviews: what each message says, read once by the writer; the user's verdicts.

Revision ID: 0008
Revises: 0007
Create Date: 2024-08-01 00:00:00

message_features holds one row per message (DESIGN.md §3 v2): direction, automated, meaningful, length,
question, self-disclosure, emotion, intents and fit signals, an excerpt, and the classifier key it was
computed with. The message writer stores it in the message's own transaction (messages/featurestore.py owns
it, with its rebuild). Triggers on instagram_messages keep a row in step with its message whoever writes
it: contact_id and sent_at follow the message (an identity merge moves messages to another contact); a change
of text, type, direction or automation empties model_key, so `everreach features rebuild --stale` computes
the row again; a message left without contact or time loses its row.

evidence_reviews holds the user's verdict (dismissed or confirmed) on one inferred evidence item.

Also: migration 0007's SQLite update trigger on instagram_messages left out message_type, which the rules read
(a message turned into a reaction or unsent is no touch); the PostgreSQL triggers fire on any update. It is
created again with message_type.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from everreach.db.types import JSONType, UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CONTENT = ("message_text", "message_type", "is_outbound", "sent_by_automation")
_FOLLOWED = ("contact_id", "sent_at", *_CONTENT)


def _sqlite_mark(row: str) -> str:
    return (
        f"INSERT OR IGNORE INTO contacts_to_rescore (contact_id) SELECT {row}.contact_id "
        f"WHERE {row}.contact_id IS NOT NULL"
    )


def _rescore_au(columns: str) -> str:
    return (
        f"CREATE TRIGGER contacts_to_rescore_au AFTER UPDATE OF {columns} ON instagram_messages "
        f"BEGIN {_sqlite_mark('old')}; {_sqlite_mark('new')}; END"
    )


_RESCORE_0007 = "contact_id, message_text, is_outbound, sent_by_automation, sent_at"
_RESCORE_0008 = "contact_id, message_text, message_type, is_outbound, sent_by_automation, sent_at"

_SQLITE_CHANGED = " OR ".join(f"old.{c} IS NOT new.{c}" for c in _CONTENT)
_SQLITE = (
    "CREATE TRIGGER message_features_follow AFTER UPDATE OF " + ", ".join(_FOLLOWED) + " ON instagram_messages "
    "BEGIN "
    "DELETE FROM message_features WHERE message_id = new.id AND (new.contact_id IS NULL OR new.sent_at IS NULL); "
    "UPDATE message_features SET contact_id = new.contact_id, sent_at = new.sent_at, "
    f"model_key = CASE WHEN {_SQLITE_CHANGED} THEN '' ELSE model_key END "
    "WHERE message_id = new.id; END",
)


def _pg_distinct(columns: Sequence[str]) -> str:
    old, new = (", ".join(f"{row}.{c}" for c in columns) for row in ("OLD", "NEW"))
    return f"({old}) IS DISTINCT FROM ({new})"


_PG_CHANGED = _pg_distinct(_CONTENT)
_POSTGRESQL = (
    f"""CREATE FUNCTION message_features_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.contact_id IS NULL OR NEW.sent_at IS NULL THEN
    DELETE FROM message_features WHERE message_id = NEW.id;
  ELSE
    UPDATE message_features
    SET contact_id = NEW.contact_id, sent_at = NEW.sent_at,
        model_key = CASE WHEN {_PG_CHANGED} THEN '' ELSE model_key END
    WHERE message_id = NEW.id;
  END IF;
  RETURN NULL;
END
$$""",
    "CREATE TRIGGER message_features_follow AFTER UPDATE OF "
    + ", ".join(_FOLLOWED)
    + " ON instagram_messages FOR EACH ROW WHEN ("
    + _pg_distinct(_FOLLOWED)
    + ") EXECUTE FUNCTION message_features_follow()",
)


def upgrade() -> None:
    op.create_table(
        "message_features",
        sa.Column(
            "message_id", sa.Uuid(), sa.ForeignKey("instagram_messages.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("contact_id", sa.Uuid(), sa.ForeignKey("instagram_contacts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
        sa.Column("is_outbound", sa.Boolean(), nullable=False),
        sa.Column("automated", sa.Boolean(), nullable=False),
        sa.Column("meaningful", sa.Boolean(), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("question", sa.Boolean(), nullable=False),
        sa.Column("self_disclosure", sa.Boolean(), nullable=False),
        sa.Column("emotion", sa.Boolean(), nullable=False),
        sa.Column("intents", JSONType, nullable=False),
        sa.Column("fit_signals", JSONType, nullable=False),
        sa.Column("excerpt", sa.Text(), nullable=False),
        sa.Column("model_key", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name="message_features_pkey"),
    )
    op.create_index("idx_message_features_contact_sent", "message_features", ["contact_id", "sent_at"])
    op.create_table(
        "evidence_reviews",
        sa.Column("id", sa.Uuid(), primary_key=True, server_default=_uuid_default()),
        sa.Column("contact_id", sa.Uuid(), sa.ForeignKey("instagram_contacts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("evidence_id", sa.Text(), nullable=False),
        sa.Column("verdict", sa.Text(), nullable=False),
        sa.Column("reviewed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="evidence_reviews_pkey"),
        sa.UniqueConstraint("contact_id", "evidence_id", name="evidence_reviews_contact_id_evidence_id_key"),
        sa.CheckConstraint("verdict IN ('dismissed', 'confirmed')", name=op.f("evidence_reviews_verdict_check")),
    )
    if op.get_context().dialect.name == "postgresql":
        for statement in _POSTGRESQL:
            op.execute(statement)
    else:
        op.execute("DROP TRIGGER IF EXISTS contacts_to_rescore_au")
        op.execute(_rescore_au(_RESCORE_0008))
        for statement in _SQLITE:
            op.execute(statement)


def _uuid_default() -> sa.TextClause:
    if op.get_context().dialect.name == "postgresql":
        return sa.text("gen_random_uuid()")
    return sa.text("(lower(hex(randomblob(16))))")


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS message_features_follow ON instagram_messages")
        op.execute("DROP FUNCTION IF EXISTS message_features_follow()")
    else:
        op.execute("DROP TRIGGER IF EXISTS message_features_follow")
        op.execute("DROP TRIGGER IF EXISTS contacts_to_rescore_au")
        op.execute(_rescore_au(_RESCORE_0007))
    op.drop_table("evidence_reviews")
    op.drop_index("idx_message_features_contact_sent", table_name="message_features")
    op.drop_table("message_features")
