"""The seed schema's seven tables (verbatim DDL on PostgreSQL, portable types on SQLite).

Revision ID: 0001
Revises:
"""

from collections.abc import Sequence

from alembic import op

from everreach.db.sql import read_sql, statements

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = (
    "outreach_queue",
    "fit_signals",
    "next_best_actions",
    "automation_patterns",
    "instagram_messages",
    "instagram_conversations",
    "instagram_contacts",
)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    name = "0001_seed_schema.postgresql.sql" if dialect == "postgresql" else "0001_seed_schema.sqlite.sql"
    for statement in statements(read_sql(name)):
        op.execute(statement)


def downgrade() -> None:
    for table in _TABLES:
        op.drop_table(table)
