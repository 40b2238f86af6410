"""dashboard_counts (the dashboard's totals, kept by triggers) and the contact name search index.

Revision ID: 0009
Revises: 0008
Create Date: 2024-09-01 00:00:00

The dashboard shows totals over every contact and message (contacts, spam, per stage, per score, messages
sent and received, conversations) and the stage chart of the last 12 weeks. Counting them on each page view
costs a scan per total, hundreds of milliseconds at 100,000 contacts. dashboard_counts holds them as
(name, key, n) rows, kept by triggers on instagram_contacts, instagram_messages, instagram_conversations and
stage_history whoever writes; relationship/counts.py reads them and rebuilds them.

Rows: ('contacts', ''), ('spam', ''), ('stage', <stage>), ('score', <score>), ('messages', ''),
('outbound', ''), ('conversations', ''), ('born', '<creation day>|<stage now>') and
('moved', '<change day>|<creation day of the contact>|<from stage>|<to stage>'); days are UTC 'YYYY-MM-DD',
NULL is ''. The stage chart is read from 'stage', 'born' and 'moved': the contacts that existed at the end of
a day, at their stage now with the changes made after it undone.

On SQLite each trigger adds to the row at once (a database has one writer at a time). On PostgreSQL,
many statements in one transaction adding to the same row would each leave a row version the next must step
over, so the triggers append to dashboard_count_journal instead, summed per statement, with the id of the
writing transaction; reading adds the journal and now and then folds the rows it sees into dashboard_counts,
keeping the fold's snapshot so that reads look up only the rows it could not see, by the xid index, never the
folded rows (dead until vacuumed). A contact's stage and score triggers stand down
while a full recompute rewrites them (the setting everreach.counts_paused on PostgreSQL; dropped and created
again on SQLite), which rebuilds those rows once at the end.

The contact list: a name search index, an FTS5 trigram table over handle and display name on SQLite
(rowid-linked, like the message search) and pg_trgm GIN indexes on both columns on PostgreSQL; and an index on
(stage, handle), so the list in stage order walks each stage by handle. The message search pages newest
first, ties by id: an index on (sent_at, id), so many messages of one instant are not sorted on every page.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# --------------------------------------------------------------------------------------------------------
# The rows each change adds, as SQL per engine: (name, key, d) selects, d the signed amount.
# --------------------------------------------------------------------------------------------------------


def _day(engine: str, column: str) -> str:
    if engine == "sqlite":
        return f"coalesce(substr({column}, 1, 10), '')"
    return f"coalesce(to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '')"


def _spam(engine: str, row: str) -> str:
    if engine == "sqlite":
        return (
            f"(coalesce({row}.tags, '') LIKE '%\"spam\"%' AND json_valid({row}.tags) "
            f"AND EXISTS (SELECT 1 FROM json_each({row}.tags) WHERE value = 'spam'))"
        )
    return f"(CASE WHEN coalesce({row}.tags @> ARRAY['spam'], false) THEN 1 ELSE 0 END)"


def _flag(engine: str, column: str) -> str:
    return f"({column} IS 1)" if engine == "sqlite" else f"(CASE WHEN {column} THEN 1 ELSE 0 END)"


def _text(engine: str, column: str) -> str:
    return f"coalesce(CAST({column} AS TEXT), '')"


def _contact_rows(engine: str, row: str, sign: str, source: str = "") -> list[str]:
    """What one contact adds: its total, stage, score, spam flag and (creation day, stage)."""
    stage = f"coalesce({row}.relationship_stage, '')"
    return [
        f"SELECT 'contacts', '', {sign} {source}",
        f"SELECT 'stage', {stage}, {sign} {source}",
        f"SELECT 'score', {_text(engine, row + '.relationship_score')}, {sign} {source}",
        f"SELECT 'spam', '', {sign} * {_spam(engine, row)} {source}",
        f"SELECT 'born', {_day(engine, row + '.created_at')} || '|' || {stage}, {sign} {source}",
    ]


def _moved_key(engine: str, change: str, created_at: str) -> str:
    return (
        f"{_day(engine, change + '.changed_at')} || '|' || {_day(engine, created_at)} || '|' || "
        f"coalesce({change}.from_stage, '') || '|' || coalesce({change}.to_stage, '')"
    )


def _moved_rows(engine: str, change: str, sign: str, source: str) -> str:
    """What stage changes add: one per (change day, creation day of the contact, from, to)."""
    return f"SELECT 'moved', {_moved_key(engine, change, 'c.created_at')}, {sign} {source}"


def _message_rows(engine: str, row: str, sign: str, source: str = "") -> list[str]:
    return [
        f"SELECT 'messages', '', {sign} {source}",
        f"SELECT 'outbound', '', {sign} * {_flag(engine, row + '.is_outbound')} {source}",
    ]


def _apply(engine: str, selects: Sequence[str]) -> str:
    """One statement adding the selected (name, key, d) rows: to dashboard_counts on SQLite, to the journal,
    summed, on PostgreSQL."""
    rows = " UNION ALL ".join(selects)
    if engine == "sqlite":
        return (
            f"INSERT INTO dashboard_counts (name, key, n) SELECT name, key, d FROM "
            f"(SELECT NULL AS name, NULL AS key, NULL AS d WHERE 0 UNION ALL {rows}) WHERE d <> 0 "
            "ON CONFLICT (name, key) DO UPDATE SET n = n + excluded.n"
        )
    return (
        f"INSERT INTO dashboard_count_journal (name, key, d) SELECT name, key, sum(d) FROM "
        f"(SELECT NULL::text AS name, NULL::text AS key, NULL::bigint AS d WHERE false UNION ALL {rows}) AS r "
        "GROUP BY name, key HAVING sum(d) <> 0"
    )


# --------------------------------------------------------------------------------------------------------
# SQLite: row triggers
# --------------------------------------------------------------------------------------------------------

_S = "sqlite"
_HISTORY_OF_OLD = "FROM stage_history h WHERE h.contact_id = old.id"
_SQLITE = (
    f"CREATE TRIGGER dashboard_counts_contact_ai AFTER INSERT ON instagram_contacts BEGIN "
    f"{_apply(_S, _contact_rows(_S, 'new', '1'))}; END",
    # BEFORE: the contact's stage changes are still there to be taken off (the cascade deletes them next).
    "CREATE TRIGGER dashboard_counts_contact_bd BEFORE DELETE ON instagram_contacts BEGIN "
    + _apply(_S, _contact_rows(_S, "old", "-1"))
    + "; "
    + _apply(_S, [f"SELECT 'moved', {_moved_key(_S, 'h', 'old.created_at')}, -1 {_HISTORY_OF_OLD}"])
    + "; END",
    # Paused (dropped) during a full recompute, like the score trigger below.
    "CREATE TRIGGER dashboard_counts_contact_stage AFTER UPDATE OF relationship_stage, created_at "
    "ON instagram_contacts WHEN old.relationship_stage IS NOT new.relationship_stage "
    "OR old.created_at IS NOT new.created_at BEGIN "
    + _apply(
        _S,
        [
            "SELECT 'stage', coalesce(old.relationship_stage, ''), -1",
            "SELECT 'stage', coalesce(new.relationship_stage, ''), 1",
            f"SELECT 'born', {_day(_S, 'old.created_at')} || '|' || coalesce(old.relationship_stage, ''), -1",
            f"SELECT 'born', {_day(_S, 'new.created_at')} || '|' || coalesce(new.relationship_stage, ''), 1",
        ],
    )
    + "; END",
    "CREATE TRIGGER dashboard_counts_contact_score AFTER UPDATE OF relationship_score ON instagram_contacts "
    "WHEN old.relationship_score IS NOT new.relationship_score BEGIN "
    + _apply(
        _S,
        [
            f"SELECT 'score', {_text(_S, 'old.relationship_score')}, -1",
            f"SELECT 'score', {_text(_S, 'new.relationship_score')}, 1",
        ],
    )
    + "; END",
    f"CREATE TRIGGER dashboard_counts_contact_spam AFTER UPDATE OF tags ON instagram_contacts "
    f"WHEN {_spam(_S, 'old')} IS NOT {_spam(_S, 'new')} BEGIN "
    + _apply(_S, [f"SELECT 'spam', '', {_spam(_S, 'new')} - {_spam(_S, 'old')}"])
    + "; END",
    "CREATE TRIGGER dashboard_counts_contact_created AFTER UPDATE OF created_at ON instagram_contacts "
    "WHEN old.created_at IS NOT new.created_at BEGIN "
    + _apply(
        _S,
        [
            f"SELECT 'moved', {_moved_key(_S, 'h', 'old.created_at')}, -1 {_HISTORY_OF_OLD}",
            f"SELECT 'moved', {_moved_key(_S, 'h', 'new.created_at')}, 1 {_HISTORY_OF_OLD}",
        ],
    )
    + "; END",
    f"CREATE TRIGGER dashboard_counts_change_ai AFTER INSERT ON stage_history BEGIN "
    f"{_apply(_S, [_moved_rows(_S, 'new', '1', 'FROM instagram_contacts c WHERE c.id = new.contact_id')])}; END",
    # A change deleted with its contact was taken off by the contact's trigger (the contact is gone by now).
    f"CREATE TRIGGER dashboard_counts_change_ad AFTER DELETE ON stage_history BEGIN "
    f"{_apply(_S, [_moved_rows(_S, 'old', '-1', 'FROM instagram_contacts c WHERE c.id = old.contact_id')])}; END",
    "CREATE TRIGGER dashboard_counts_change_au AFTER UPDATE OF contact_id, changed_at, from_stage, to_stage "
    "ON stage_history BEGIN "
    + _apply(
        _S,
        [
            _moved_rows(_S, "old", "-1", "FROM instagram_contacts c WHERE c.id = old.contact_id"),
            _moved_rows(_S, "new", "1", "FROM instagram_contacts c WHERE c.id = new.contact_id"),
        ],
    )
    + "; END",
    f"CREATE TRIGGER dashboard_counts_message_ai AFTER INSERT ON instagram_messages BEGIN "
    f"{_apply(_S, _message_rows(_S, 'new', '1'))}; END",
    f"CREATE TRIGGER dashboard_counts_message_ad AFTER DELETE ON instagram_messages BEGIN "
    f"{_apply(_S, _message_rows(_S, 'old', '-1'))}; END",
    "CREATE TRIGGER dashboard_counts_message_au AFTER UPDATE OF is_outbound ON instagram_messages "
    "WHEN old.is_outbound IS NOT new.is_outbound BEGIN "
    + _apply(
        _S,
        [
            f"SELECT 'outbound', '', {_flag(_S, 'new.is_outbound')} - {_flag(_S, 'old.is_outbound')}",
        ],
    )
    + "; END",
    "CREATE TRIGGER dashboard_counts_conversation_ai AFTER INSERT ON instagram_conversations BEGIN "
    + _apply(_S, ["SELECT 'conversations', '', 1"])
    + "; END",
    "CREATE TRIGGER dashboard_counts_conversation_ad AFTER DELETE ON instagram_conversations BEGIN "
    + _apply(_S, ["SELECT 'conversations', '', -1"])
    + "; END",
    "CREATE VIRTUAL TABLE instagram_contacts_fts USING fts5(instagram_username, display_name, "
    "content='instagram_contacts', content_rowid='rowid', tokenize='trigram')",
    "CREATE TRIGGER instagram_contacts_fts_ai AFTER INSERT ON instagram_contacts BEGIN "
    "INSERT INTO instagram_contacts_fts(rowid, instagram_username, display_name) "
    "VALUES (new.rowid, new.instagram_username, new.display_name); END",
    "CREATE TRIGGER instagram_contacts_fts_ad AFTER DELETE ON instagram_contacts BEGIN "
    "INSERT INTO instagram_contacts_fts(instagram_contacts_fts, rowid, instagram_username, display_name) "
    "VALUES ('delete', old.rowid, old.instagram_username, old.display_name); END",
    "CREATE TRIGGER instagram_contacts_fts_au AFTER UPDATE OF instagram_username, display_name "
    "ON instagram_contacts BEGIN "
    "INSERT INTO instagram_contacts_fts(instagram_contacts_fts, rowid, instagram_username, display_name) "
    "VALUES ('delete', old.rowid, old.instagram_username, old.display_name); "
    "INSERT INTO instagram_contacts_fts(rowid, instagram_username, display_name) "
    "VALUES (new.rowid, new.instagram_username, new.display_name); END",
    "INSERT INTO instagram_contacts_fts(instagram_contacts_fts) VALUES ('rebuild')",
)

# --------------------------------------------------------------------------------------------------------
# PostgreSQL: statement triggers over the transition tables for inserts (bulk writers insert many rows per
# statement), row triggers for the rarer updates and deletes; all append to the journal.
# --------------------------------------------------------------------------------------------------------

_P = "postgresql"
_PAUSED = "current_setting('everreach.counts_paused', true) IS DISTINCT FROM 'on'"


def _pg_function(name: str, body: str, result: str = "NULL") -> str:
    return f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n{body}\nRETURN {result};\nEND\n$$"


def _pg_statement(table: str, event: str, function: str) -> str:
    ref = "NEW TABLE AS new_rows" if event == "INSERT" else "OLD TABLE AS old_rows"
    return (
        f"CREATE TRIGGER {function} AFTER {event} ON {table} REFERENCING {ref} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
    )


_POSTGRESQL = (
    _pg_function("dashboard_counts_contacts_added", _apply(_P, _contact_rows(_P, "n", "1", "FROM new_rows n")) + ";"),
    _pg_statement("instagram_contacts", "INSERT", "dashboard_counts_contacts_added"),
    # A row trigger BEFORE the delete: the contact's stage changes are still there to be taken off.
    _pg_function(
        "dashboard_counts_contact_removed",
        _apply(
            _P,
            [
                *_contact_rows(_P, "OLD", "-1"),
                f"SELECT 'moved', {_moved_key(_P, 'h', 'OLD.created_at')}, -1 "
                "FROM stage_history h WHERE h.contact_id = OLD.id",
            ],
        )
        + ";",
        "OLD",
    ),
    "CREATE TRIGGER dashboard_counts_contact_removed BEFORE DELETE ON instagram_contacts "
    "FOR EACH ROW EXECUTE FUNCTION dashboard_counts_contact_removed()",
    _pg_function(
        "dashboard_counts_contact_changed",
        _apply(
            _P,
            [
                "SELECT 'stage', coalesce(OLD.relationship_stage, ''), -1",
                "SELECT 'stage', coalesce(NEW.relationship_stage, ''), 1",
                f"SELECT 'born', {_day(_P, 'OLD.created_at')} || '|' || coalesce(OLD.relationship_stage, ''), -1",
                f"SELECT 'born', {_day(_P, 'NEW.created_at')} || '|' || coalesce(NEW.relationship_stage, ''), 1",
                f"SELECT 'score', {_text(_P, 'OLD.relationship_score')}, -1",
                f"SELECT 'score', {_text(_P, 'NEW.relationship_score')}, 1",
            ],
        )
        + ";",
    ),
    "CREATE TRIGGER dashboard_counts_contact_changed AFTER UPDATE OF relationship_stage, relationship_score, "
    "created_at ON instagram_contacts FOR EACH ROW WHEN ("
    "(OLD.relationship_stage, OLD.relationship_score, OLD.created_at) IS DISTINCT FROM "
    f"(NEW.relationship_stage, NEW.relationship_score, NEW.created_at) AND {_PAUSED}) "
    "EXECUTE FUNCTION dashboard_counts_contact_changed()",
    _pg_function(
        "dashboard_counts_contact_spam",
        _apply(_P, [f"SELECT 'spam', '', {_spam(_P, 'NEW')} - {_spam(_P, 'OLD')}"]) + ";",
    ),
    "CREATE TRIGGER dashboard_counts_contact_spam AFTER UPDATE OF tags ON instagram_contacts FOR EACH ROW "
    f"WHEN ({_spam(_P, 'OLD')} IS DISTINCT FROM {_spam(_P, 'NEW')}) "
    "EXECUTE FUNCTION dashboard_counts_contact_spam()",
    _pg_function(
        "dashboard_counts_contact_created",
        _apply(
            _P,
            [
                f"SELECT 'moved', {_moved_key(_P, 'h', 'OLD.created_at')}, -1 FROM stage_history h "
                "WHERE h.contact_id = OLD.id",
                f"SELECT 'moved', {_moved_key(_P, 'h', 'NEW.created_at')}, 1 FROM stage_history h "
                "WHERE h.contact_id = OLD.id",
            ],
        )
        + ";",
    ),
    "CREATE TRIGGER dashboard_counts_contact_created AFTER UPDATE OF created_at ON instagram_contacts "
    "FOR EACH ROW WHEN (OLD.created_at IS DISTINCT FROM NEW.created_at) "
    "EXECUTE FUNCTION dashboard_counts_contact_created()",
    _pg_function(
        "dashboard_counts_changes_added",
        _apply(_P, [_moved_rows(_P, "n", "1", "FROM new_rows n JOIN instagram_contacts c ON c.id = n.contact_id")])
        + ";",
    ),
    _pg_statement("stage_history", "INSERT", "dashboard_counts_changes_added"),
    # A change deleted with its contact was taken off by the contact's trigger (the join finds no contact).
    _pg_function(
        "dashboard_counts_changes_removed",
        _apply(_P, [_moved_rows(_P, "o", "-1", "FROM old_rows o JOIN instagram_contacts c ON c.id = o.contact_id")])
        + ";",
    ),
    _pg_statement("stage_history", "DELETE", "dashboard_counts_changes_removed"),
    _pg_function(
        "dashboard_counts_change_changed",
        _apply(
            _P,
            [
                _moved_rows(_P, "OLD", "-1", "FROM instagram_contacts c WHERE c.id = OLD.contact_id"),
                _moved_rows(_P, "NEW", "1", "FROM instagram_contacts c WHERE c.id = NEW.contact_id"),
            ],
        )
        + ";",
    ),
    "CREATE TRIGGER dashboard_counts_change_changed AFTER UPDATE OF contact_id, changed_at, from_stage, "
    "to_stage ON stage_history FOR EACH ROW WHEN ((OLD.contact_id, OLD.changed_at, OLD.from_stage, "
    "OLD.to_stage) IS DISTINCT FROM (NEW.contact_id, NEW.changed_at, NEW.from_stage, NEW.to_stage)) "
    "EXECUTE FUNCTION dashboard_counts_change_changed()",
    _pg_function("dashboard_counts_messages_added", _apply(_P, _message_rows(_P, "n", "1", "FROM new_rows n")) + ";"),
    _pg_statement("instagram_messages", "INSERT", "dashboard_counts_messages_added"),
    _pg_function(
        "dashboard_counts_messages_removed", _apply(_P, _message_rows(_P, "o", "-1", "FROM old_rows o")) + ";"
    ),
    _pg_statement("instagram_messages", "DELETE", "dashboard_counts_messages_removed"),
    _pg_function(
        "dashboard_counts_message_changed",
        _apply(_P, [f"SELECT 'outbound', '', {_flag(_P, 'NEW.is_outbound')} - {_flag(_P, 'OLD.is_outbound')}"]) + ";",
    ),
    "CREATE TRIGGER dashboard_counts_message_changed AFTER UPDATE OF is_outbound ON instagram_messages "
    "FOR EACH ROW WHEN (OLD.is_outbound IS DISTINCT FROM NEW.is_outbound) "
    "EXECUTE FUNCTION dashboard_counts_message_changed()",
    _pg_function(
        "dashboard_counts_conversations_added",
        _apply(_P, ["SELECT 'conversations', '', 1 FROM new_rows n"]) + ";",
    ),
    _pg_statement("instagram_conversations", "INSERT", "dashboard_counts_conversations_added"),
    _pg_function(
        "dashboard_counts_conversations_removed",
        _apply(_P, ["SELECT 'conversations', '', -1 FROM old_rows o"]) + ";",
    ),
    _pg_statement("instagram_conversations", "DELETE", "dashboard_counts_conversations_removed"),
    "CREATE INDEX idx_contacts_username_trgm ON instagram_contacts USING gin (instagram_username gin_trgm_ops)",
    "CREATE INDEX idx_contacts_display_name_trgm ON instagram_contacts USING gin (display_name gin_trgm_ops)",
)

_PG_FUNCTIONS = (
    "dashboard_counts_contacts_added", "dashboard_counts_contact_removed", "dashboard_counts_contact_changed",
    "dashboard_counts_contact_spam", "dashboard_counts_contact_created", "dashboard_counts_changes_added",
    "dashboard_counts_changes_removed", "dashboard_counts_change_changed", "dashboard_counts_messages_added",
    "dashboard_counts_messages_removed", "dashboard_counts_message_changed", "dashboard_counts_conversations_added",
    "dashboard_counts_conversations_removed",
)  # fmt: skip


def _initial_rows(engine: str) -> str:
    """Every row from the tables as they are (the same sums the triggers keep)."""
    c = "instagram_contacts"
    selects = [
        *_contact_rows(engine, c, "1", f"FROM {c}"),
        _moved_rows(engine, "h", "1", f"FROM stage_history h JOIN {c} c ON c.id = h.contact_id"),
        *_message_rows(engine, "instagram_messages", "1", "FROM instagram_messages"),
        "SELECT 'conversations', '', 1 FROM instagram_conversations",
    ]
    rows = " UNION ALL ".join(selects)
    return (
        "INSERT INTO dashboard_counts (name, key, n) SELECT name, key, sum(d) FROM "
        f"(SELECT NULL AS name, NULL AS key, NULL AS d WHERE 1 = 0 UNION ALL {rows}) AS r "
        "GROUP BY name, key HAVING sum(d) <> 0"
    )


def upgrade() -> None:
    engine = op.get_context().dialect.name
    op.create_table(
        "dashboard_counts",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", "key", name="dashboard_counts_pkey"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "dashboard_count_journal",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False, autoincrement=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("d", sa.BigInteger(), nullable=False),
        sa.Column("xid", sa.BigInteger(), nullable=False, server_default=sa.text("0")),
        sa.PrimaryKeyConstraint("id", name="dashboard_count_journal_pkey"),
    )
    op.create_index("idx_dashboard_count_journal_xid", "dashboard_count_journal", ["xid"])
    if engine == "postgresql":  # the writing transaction's id: a fold takes the rows of finished transactions
        op.execute(
            "ALTER TABLE dashboard_count_journal ALTER COLUMN xid SET DEFAULT (pg_current_xact_id()::text::bigint)"
        )
    for statement in _POSTGRESQL if engine == "postgresql" else _SQLITE:
        op.execute(statement)
    op.execute(_initial_rows(engine))
    op.create_index("idx_contacts_stage_username", "instagram_contacts", ["relationship_stage", "instagram_username"])
    op.create_index("idx_messages_sent_id", "instagram_messages", [sa.text("sent_at DESC"), sa.text("id DESC")])


def downgrade() -> None:
    op.drop_index("idx_messages_sent_id", table_name="instagram_messages")
    op.drop_index("idx_contacts_stage_username", table_name="instagram_contacts")
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS idx_contacts_display_name_trgm")
        op.execute("DROP INDEX IF EXISTS idx_contacts_username_trgm")
        for function in _PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {function}() CASCADE")
    else:
        op.execute("DROP TABLE IF EXISTS instagram_contacts_fts")
        for statement in _SQLITE:
            if statement.startswith("CREATE TRIGGER"):
                op.execute(f"DROP TRIGGER IF EXISTS {statement.split()[2]}")
    op.drop_table("dashboard_count_journal")
    op.drop_table("dashboard_counts")
