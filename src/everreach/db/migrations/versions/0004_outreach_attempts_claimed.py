"""idx_outreach_attempts_claimed: the worker reads the latest attempts on every claim (pacing caps and gap).

Revision ID: 0004
Revises: 0003
Create Date: 2024-04-01 00:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("idx_outreach_attempts_claimed", "outreach_attempts", ["claimed_at"])


def downgrade() -> None:
    op.drop_index("idx_outreach_attempts_claimed", table_name="outreach_attempts")
