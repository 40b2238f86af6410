"""fit_signal_scans: how far fit-signal detection has read the messages, so recompute scans only new ones.

Revision ID: 0003
Revises: 0002
Create Date: 2024-03-01 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from everreach.db.types import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _now() -> sa.TextClause:
    if op.get_context().dialect.name == "postgresql":
        return sa.text("now()")
    return sa.text("(strftime('%Y-%m-%d %H:%M:%f', 'now'))")


def upgrade() -> None:
    op.create_table(
        "fit_signal_scans",
        sa.Column("name", sa.Text(), primary_key=True),
        sa.Column("scanned_through", UTCDateTime()),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), server_default=_now()),
    )


def downgrade() -> None:
    op.drop_table("fit_signal_scans")
