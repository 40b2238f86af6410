"""The weekly tasks' and attention's reads: indexes for rewarm, next planned touch and a contact's open message.

Revision ID: 0010
Revises: 0009
Create Date: 2024-10-01 00:00:00

Rewarm lists the contacts scoring under 40 with the most resonance first (ties by id), and attention the
contacts with a next planned touch, the earliest first (ties by id). Without an index in those orders each read
sorts every candidate: about 16 ms on SQLite at 100,000 contacts, each. With them a read walks the index and
stops after its page. The rewarm index ends with the score, so the score test is made on the index entries and
only the rows kept are read from the table. Both orders are what relationship/tasks.py and
relationship/queries.attention ask for, expression for expression (coalesce(resonance_score, 0), a literal 0:
a bound parameter would not match the index on SQLite).

Every task row also asks whether the contact has a message waiting in the queue; without an index on the
queue's contact the question reads every pending row of the queue, for each contact shown.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "idx_contacts_rewarm",
        "instagram_contacts",
        [sa.text("coalesce(resonance_score, 0) DESC"), sa.text("id"), sa.text("relationship_score")],
    )
    op.create_index("idx_contacts_planned", "instagram_contacts", ["next_planned_touch", "id"])
    op.create_index("idx_outreach_contact_status", "outreach_queue", ["contact_id", "status"])


def downgrade() -> None:
    op.drop_index("idx_outreach_contact_status", table_name="outreach_queue")
    op.drop_index("idx_contacts_planned", table_name="instagram_contacts")
    op.drop_index("idx_contacts_rewarm", table_name="instagram_contacts")
