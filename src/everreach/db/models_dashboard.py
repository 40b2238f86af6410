"""What the dashboard's reads need (migration 0009): the stored totals, dashboard_counts and its PostgreSQL
journal (relationship/counts.py owns both), and the contact list's index for the stage order.

Registered on the same `Base` as models.py (which imports this module at its end), so migrations, tests and
backups see them wherever the models are loaded. The name search index is engine-specific (FTS5 on SQLite,
pg_trgm on PostgreSQL) and lives in the migration only.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, Integer, PrimaryKeyConstraint, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from everreach.db.models import Base, Contact, Message


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
