"""The contact list's order by score: an index in that order, ties by handle.

Revision ID: 0011
Revises: 0010
Create Date: 2024-10-02 00:00:00

The contact list (the API's default sort, the dashboard's score column) reads the scored contacts highest first,
ties by handle. The seed's idx_contacts_score holds the score alone, so every page sorted every contact with a
score on its tie-break: at 100,000 contacts about 1,000 share each score, and a page cost SQLite 1.3 ms of
sorting against 0.05 ms walking this index (bench/api_load's contacts list). Lowest first reads it backwards.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "idx_contacts_score_username",
        "instagram_contacts",
        [sa.text("relationship_score DESC"), sa.text("instagram_username")],
    )


def downgrade() -> None:
    op.drop_index("idx_contacts_score_username", table_name="instagram_contacts")
