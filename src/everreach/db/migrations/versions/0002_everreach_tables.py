"""EverReach's own tables (stage history, events, fit-signal phrases and matches, identities, attempts)
and the message search index (pg_trgm GIN on PostgreSQL, FTS5 trigram on SQLite).

Revision ID: 0002
Revises: 0001
Create Date: 2024-02-01 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from everreach.db.types import JSONType, UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.Column[object]:
    return sa.Column("id", sa.Uuid(), primary_key=True, server_default=_uuid_default())


def _uuid_default() -> sa.TextClause:
    if op.get_context().dialect.name == "postgresql":
        return sa.text("gen_random_uuid()")
    return sa.text("(lower(hex(randomblob(16))))")


def _now() -> sa.TextClause:
    if op.get_context().dialect.name == "postgresql":
        return sa.text("now()")
    return sa.text("(strftime('%Y-%m-%d %H:%M:%f', 'now'))")


def _fk(name: str, target: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.Uuid(), sa.ForeignKey(target, ondelete="CASCADE"), nullable=nullable)


_SQLITE_FTS = (
    "CREATE VIRTUAL TABLE instagram_messages_fts USING fts5("
    "message_text, content='instagram_messages', content_rowid='rowid', tokenize='trigram')",
    "CREATE TRIGGER instagram_messages_fts_ai AFTER INSERT ON instagram_messages BEGIN "
    "INSERT INTO instagram_messages_fts(rowid, message_text) VALUES (new.rowid, new.message_text); END",
    "CREATE TRIGGER instagram_messages_fts_ad AFTER DELETE ON instagram_messages BEGIN "
    "INSERT INTO instagram_messages_fts(instagram_messages_fts, rowid, message_text) "
    "VALUES ('delete', old.rowid, old.message_text); END",
    "CREATE TRIGGER instagram_messages_fts_au AFTER UPDATE OF message_text ON instagram_messages BEGIN "
    "INSERT INTO instagram_messages_fts(instagram_messages_fts, rowid, message_text) "
    "VALUES ('delete', old.rowid, old.message_text); "
    "INSERT INTO instagram_messages_fts(rowid, message_text) VALUES (new.rowid, new.message_text); END",
    "INSERT INTO instagram_messages_fts(instagram_messages_fts) VALUES ('rebuild')",
)


def upgrade() -> None:
    op.create_table(
        "stage_history",
        _id(),
        _fk("contact_id", "instagram_contacts.id"),
        sa.Column("from_stage", sa.Text()),
        sa.Column("to_stage", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False, server_default=sa.text("'auto'")),
        sa.Column("changed_at", UTCDateTime(), nullable=False, server_default=_now()),
    )
    op.create_index("idx_stage_history_contact", "stage_history", ["contact_id", "changed_at"])

    op.create_table(
        "relationship_events",
        _id(),
        _fk("contact_id", "instagram_contacts.id"),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text()),
        sa.Column("metadata", JSONType, server_default=sa.text("'{}'")),
        sa.Column("occurred_at", UTCDateTime(), nullable=False, server_default=_now()),
        sa.Column("created_at", UTCDateTime(), server_default=_now()),
    )
    op.create_index("idx_relationship_events_contact", "relationship_events", ["contact_id", "kind"])

    op.create_table(
        "fit_signal_phrases",
        _id(),
        _fk("fit_signal_id", "fit_signals.id"),
        sa.Column("phrase", sa.Text(), nullable=False),
        sa.UniqueConstraint("fit_signal_id", "phrase"),
    )

    op.create_table(
        "fit_signal_matches",
        _id(),
        _fk("contact_id", "instagram_contacts.id"),
        _fk("fit_signal_id", "fit_signals.id"),
        _fk("message_id", "instagram_messages.id"),
        sa.Column("matched_phrase", sa.Text(), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.Column("matched_on", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), server_default=_now()),
        sa.UniqueConstraint("fit_signal_id", "message_id"),
    )
    op.create_index("idx_fit_signal_matches_contact", "fit_signal_matches", ["contact_id"])

    op.create_table(
        "contact_identities",
        _id(),
        _fk("contact_id", "instagram_contacts.id"),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), server_default=_now()),
        sa.UniqueConstraint("provider", "external_id"),
    )
    op.create_index("idx_contact_identities_contact", "contact_identities", ["contact_id"])

    op.create_table(
        "message_external_ids",
        sa.Column("external_id", sa.Text(), primary_key=True),
        _fk("message_id", "instagram_messages.id"),
        sa.Column("provider", sa.Text(), nullable=False, server_default=sa.text("'instagram'")),
    )
    op.create_index("idx_message_external_ids_message", "message_external_ids", ["message_id"])

    op.create_table(
        "outreach_attempts",
        _id(),
        _fk("queue_id", "outreach_queue.id"),
        sa.Column("worker_id", sa.Text(), nullable=False),
        sa.Column("sender", sa.Text(), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=False, server_default=_now()),
        sa.Column("finished_at", UTCDateTime()),
        sa.Column("outcome", sa.Text()),
        sa.Column("error", sa.Text()),
    )
    op.create_index("idx_outreach_attempts_queue", "outreach_attempts", ["queue_id"])

    if op.get_context().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX idx_messages_text_trgm ON instagram_messages USING gin (message_text gin_trgm_ops)")
    else:
        for statement in _SQLITE_FTS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS idx_messages_text_trgm")
    else:
        for trigger in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS instagram_messages_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS instagram_messages_fts")
    for table in (
        "outreach_attempts",
        "message_external_ids",
        "contact_identities",
        "fit_signal_matches",
        "fit_signal_phrases",
        "relationship_events",
        "stage_history",
    ):
        op.drop_table(table)
