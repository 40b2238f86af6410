"""SQLite's newest-first message search scan: an index that holds what the scan reads, in its order.

Revision ID: 0012
Revises: 0011
Create Date: 2024-10-03 00:00:00

A common search term (more than messages/search.CANDIDATE_CAP matches in the trigram table) is found by
walking the messages newest first and testing each text with LIKE until a page is full. Walking
idx_messages_sent_id, every row's text was a lookup in the table: 2-3 us a row, 2-5 ms a page for a term in
one message of fifty (bench/api_load, 100k contacts). This index carries the text, the contact and the
direction, so the scan reads the index alone: about 0.2 us a row. It costs about the size of the texts.
PostgreSQL's search is served by its trigram index (idx_messages_text_trgm), so it is SQLite's only.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        op.create_index(
            "idx_messages_search_scan",
            "instagram_messages",
            [sa.text(c) for c in ("sent_at DESC", "id DESC", "message_text", "contact_id", "is_outbound")],
        )


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        op.drop_index("idx_messages_search_scan", table_name="instagram_messages")
