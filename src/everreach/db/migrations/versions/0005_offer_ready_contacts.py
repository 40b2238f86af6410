"""offer_ready_contacts: contacts in the offer lane as of their last recompute (tasks and listings read it).

Revision ID: 0005
Revises: 0004
Create Date: 2024-05-01 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from everreach.db.types import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _now() -> sa.TextClause:
    if op.get_context().dialect.name == "postgresql":
        return sa.text("now()")
    return sa.text("(strftime('%Y-%m-%d %H:%M:%f', 'now'))")


def upgrade() -> None:
    op.create_table(
        "offer_ready_contacts",
        sa.Column(
            "contact_id",
            sa.Uuid(),
            sa.ForeignKey("instagram_contacts.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("marked_at", UTCDateTime(), nullable=False, server_default=_now()),
    )


def downgrade() -> None:
    op.drop_table("offer_ready_contacts")
