"""What the dashboard's reads need (migrations 0009 to 0011): the stored totals, dashboard_counts and its
PostgreSQL journal (relationship/counts.py owns both), and the indexes for the contact list's stage and score
orders, the rewarm bucket's order, attention's order and a contact's open message in the queue.

Registered on the same `Base` as models.py (which imports this module at its end), so migrations, tests and
backups see them wherever the models are loaded. The name search index is engine-specific (FTS5 on SQLite,
pg_trgm on PostgreSQL) and lives in the migration only.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, Integer, PrimaryKeyConstraint, Text, func, literal_column, text
from sqlalchemy.orm import Mapped, mapped_column

from everreach.db.models import Base, Contact, Message, OutreachItem


class DashboardCount(Base):
    """dashboard_counts: one stored total, (name, key) -> n, kept by triggers on the counted tables."""

    __tablename__ = "dashboard_counts"

    name: Mapped[str] = mapped_column(Text)
    key: Mapped[str] = mapped_column(Text)
    n: Mapped[int] = mapped_column(BigInteger, nullable=False)

    __table_args__ = (PrimaryKeyConstraint("name", "key"), {"sqlite_with_rowid": False})


class DashboardCountJournal(Base):
    """dashboard_count_journal: amounts the PostgreSQL triggers append, until a read folds them into
    dashboard_counts (empty on SQLite, where the triggers add to dashboard_counts at once)."""

    __tablename__ = "dashboard_count_journal"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    key: Mapped[str] = mapped_column(Text, nullable=False)
    d: Mapped[int] = mapped_column(BigInteger, nullable=False)
    #: The writing transaction's id on PostgreSQL (0 on SQLite).
    xid: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default=text("0"))

    __table_args__ = (Index("idx_dashboard_count_journal_xid", "xid"),)


#: The contact list in stage order walks each stage's contacts by handle (relationship/directory.py).
Index("idx_contacts_stage_username", Contact.relationship_stage, Contact.instagram_username)
#: The message search pages newest first, ties by id (messages/search.py).
Index("idx_messages_sent_id", Message.sent_at.desc(), Message.id.desc())
#: Rewarm walks the contacts by resonance, the most first, ties by id, testing the score on the index entries
#: (relationship/tasks.py); the expression is the query's, with a literal 0.
Index(
    "idx_contacts_rewarm",
    func.coalesce(Contact.resonance_score, literal_column("0")).desc(),
    Contact.id,
    Contact.relationship_score,
)
#: Attention walks the contacts by next planned touch, the earliest first, ties by id (relationship/queries.py).
Index("idx_contacts_planned", Contact.next_planned_touch, Contact.id)
#: Whether a contact has a message waiting: the tasks ask it of every row they show (relationship/tasks.py).
Index("idx_outreach_contact_status", OutreachItem.contact_id, OutreachItem.status)
#: The contact list by score walks the scored contacts highest first, ties by handle (relationship/directory.py).
Index("idx_contacts_score_username", Contact.relationship_score.desc(), Contact.instagram_username)
