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
_CONTACT_OF = "FROM instagram_contacts c WHERE c.id = {}.contact_id"


def _sqlite_trigger(name: str, event: str, table: str, *bodies: Sequence[str], when: str = "") -> str:
    """CREATE TRIGGER dashboard_counts_<name> <event> ON <table> [WHEN ...], one statement per body."""
    statements = "; ".join(_apply(_S, body) for body in bodies)
    condition = f" WHEN {when}" if when else ""
    return f"CREATE TRIGGER dashboard_counts_{name} {event} ON {table}{condition} BEGIN {statements}; END"


def _changed(*columns: str) -> str:
    return " OR ".join(f"old.{c} IS NOT new.{c}" for c in columns)


def _stage_and_born(row: str, sign: str) -> list[str]:
    stage = f"coalesce({row}.relationship_stage, '')"
    return [
        f"SELECT 'stage', {stage}, {sign}",
        f"SELECT 'born', {_day(_S, row + '.created_at')} || '|' || {stage}, {sign}",
    ]


# fmt: off
_SQLITE = (
    _sqlite_trigger("contact_ai", "AFTER INSERT", "instagram_contacts", _contact_rows(_S, "new", "1")),
    # BEFORE: the contact's stage changes are still there to be taken off (the cascade deletes them next).
    _sqlite_trigger(
        "contact_bd",
        "BEFORE DELETE",
        "instagram_contacts",
        _contact_rows(_S, "old", "-1"),
        [f"SELECT 'moved', {_moved_key(_S, 'h', 'old.created_at')}, -1 {_HISTORY_OF_OLD}"],
    ),
    # contact_stage and contact_score are dropped during a full recompute (relationship/counts.py).
    _sqlite_trigger(
        "contact_stage",
        "AFTER UPDATE OF relationship_stage, created_at",
        "instagram_contacts",
        [*_stage_and_born("old", "-1"), *_stage_and_born("new", "1")],
        when=_changed("relationship_stage", "created_at"),
    ),
    _sqlite_trigger(
        "contact_score",
        "AFTER UPDATE OF relationship_score",
        "instagram_contacts",
        [
            f"SELECT 'score', {_text(_S, 'old.relationship_score')}, -1",
            f"SELECT 'score', {_text(_S, 'new.relationship_score')}, 1",
        ],
        when=_changed("relationship_score"),
    ),
    _sqlite_trigger(
        "contact_spam",
        "AFTER UPDATE OF tags",
        "instagram_contacts",
        [f"SELECT 'spam', '', {_spam(_S, 'new')} - {_spam(_S, 'old')}"],
        when=f"{_spam(_S, 'old')} IS NOT {_spam(_S, 'new')}",
    ),
    _sqlite_trigger(
        "contact_created",
        "AFTER UPDATE OF created_at",
        "instagram_contacts",
        [
            f"SELECT 'moved', {_moved_key(_S, 'h', 'old.created_at')}, -1 {_HISTORY_OF_OLD}",
            f"SELECT 'moved', {_moved_key(_S, 'h', 'new.created_at')}, 1 {_HISTORY_OF_OLD}",
        ],
        when=_changed("created_at"),
    ),
    _sqlite_trigger(
        "change_ai", "AFTER INSERT", "stage_history", [_moved_rows(_S, "new", "1", _CONTACT_OF.format("new"))]
    ),
    # A change deleted with its contact was taken off by the contact's trigger (the contact is gone by now).
    _sqlite_trigger(
        "change_ad", "AFTER DELETE", "stage_history", [_moved_rows(_S, "old", "-1", _CONTACT_OF.format("old"))]
    ),
    _sqlite_trigger(
        "change_au",
        "AFTER UPDATE OF contact_id, changed_at, from_stage, to_stage",
        "stage_history",
        [
            _moved_rows(_S, "old", "-1", _CONTACT_OF.format("old")),
            _moved_rows(_S, "new", "1", _CONTACT_OF.format("new")),
        ],
    ),
    _sqlite_trigger("message_ai", "AFTER INSERT", "instagram_messages", _message_rows(_S, "new", "1")),
    _sqlite_trigger("message_ad", "AFTER DELETE", "instagram_messages", _message_rows(_S, "old", "-1")),
    _sqlite_trigger(
        "message_au",
        "AFTER UPDATE OF is_outbound",
        "instagram_messages",
        [f"SELECT 'outbound', '', {_flag(_S, 'new.is_outbound')} - {_flag(_S, 'old.is_outbound')}"],
        when=_changed("is_outbound"),
    ),
    _sqlite_trigger("conversation_ai", "AFTER INSERT", "instagram_conversations", ["SELECT 'conversations', '', 1"]),
    _sqlite_trigger("conversation_ad", "AFTER DELETE", "instagram_conversations", ["SELECT 'conversations', '', -1"]),
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
# fmt: on

# --------------------------------------------------------------------------------------------------------
# PostgreSQL: statement triggers over the transition tables for inserts (bulk writers insert many rows per
# statement), row triggers for the rarer updates and deletes; all append to the journal.
# --------------------------------------------------------------------------------------------------------

_P = "postgresql"
_PAUSED = "current_setting('everreach.counts_paused', true) IS DISTINCT FROM 'on'"


def _pg_trigger(name: str, when: str, selects: Sequence[str], *, result: str = "NULL") -> tuple[str, str]:
    """The function dashboard_counts_<name>() adding the selected rows, and its trigger `when` (the part of
    CREATE TRIGGER after the name: timing, event, table, level, condition)."""
    function = f"dashboard_counts_{name}"
    body = _apply(_P, selects)
    return (
        f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"BEGIN\n{body};\nRETURN {result};\nEND\n$$",
        f"CREATE TRIGGER {function} {when} EXECUTE FUNCTION {function}()",
    )


def _statement(event: str, table: str) -> str:
    ref = "NEW TABLE AS new_rows" if event == "INSERT" else "OLD TABLE AS old_rows"
    return f"AFTER {event} ON {table} REFERENCING {ref} FOR EACH STATEMENT"


def _distinct(*columns: str) -> str:
    return f"({', '.join('OLD.' + c for c in columns)}) IS DISTINCT FROM ({', '.join('NEW.' + c for c in columns)})"


_JOINED = "FROM {0} {1} JOIN instagram_contacts c ON c.id = {1}.contact_id"
_OF_ROW = "FROM instagram_contacts c WHERE c.id = {}.contact_id"
_HISTORY = "FROM stage_history h WHERE h.contact_id = OLD.id"
_STAGE_SCORE = ("relationship_stage", "relationship_score", "created_at")
_CHANGE = ("contact_id", "changed_at", "from_stage", "to_stage")
_PG_TRIGGERS = (
    _pg_trigger("contacts_added", _statement("INSERT", "instagram_contacts"),
                _contact_rows(_P, "n", "1", "FROM new_rows n")),
    # A row trigger BEFORE the delete: the contact's stage changes are still there to be taken off.
    _pg_trigger("contact_removed", "BEFORE DELETE ON instagram_contacts FOR EACH ROW",
                [*_contact_rows(_P, "OLD", "-1"),
                 f"SELECT 'moved', {_moved_key(_P, 'h', 'OLD.created_at')}, -1 {_HISTORY}"],
                result="OLD"),
    _pg_trigger("contact_changed",
                f"AFTER UPDATE OF {', '.join(_STAGE_SCORE)} ON instagram_contacts FOR EACH ROW "
                f"WHEN ({_distinct(*_STAGE_SCORE)} AND {_PAUSED})",
                ["SELECT 'stage', coalesce(OLD.relationship_stage, ''), -1",
                 "SELECT 'stage', coalesce(NEW.relationship_stage, ''), 1",
                 f"SELECT 'born', {_day(_P, 'OLD.created_at')} || '|' || coalesce(OLD.relationship_stage, ''), -1",
                 f"SELECT 'born', {_day(_P, 'NEW.created_at')} || '|' || coalesce(NEW.relationship_stage, ''), 1",
                 f"SELECT 'score', {_text(_P, 'OLD.relationship_score')}, -1",
                 f"SELECT 'score', {_text(_P, 'NEW.relationship_score')}, 1"]),
    _pg_trigger("contact_spam",
                f"AFTER UPDATE OF tags ON instagram_contacts FOR EACH ROW "
                f"WHEN ({_spam(_P, 'OLD')} IS DISTINCT FROM {_spam(_P, 'NEW')})",
                [f"SELECT 'spam', '', {_spam(_P, 'NEW')} - {_spam(_P, 'OLD')}"]),
    _pg_trigger("contact_created",
                f"AFTER UPDATE OF created_at ON instagram_contacts FOR EACH ROW WHEN ({_distinct('created_at')})",
                [f"SELECT 'moved', {_moved_key(_P, 'h', 'OLD.created_at')}, -1 {_HISTORY}",
                 f"SELECT 'moved', {_moved_key(_P, 'h', 'NEW.created_at')}, 1 {_HISTORY}"]),
    _pg_trigger("changes_added", _statement("INSERT", "stage_history"),
                [_moved_rows(_P, "n", "1", _JOINED.format("new_rows", "n"))]),
    # A change deleted with its contact was taken off by the contact's trigger (the join finds no contact).
    _pg_trigger("changes_removed", _statement("DELETE", "stage_history"),
                [_moved_rows(_P, "o", "-1", _JOINED.format("old_rows", "o"))]),
    _pg_trigger("change_changed",
                f"AFTER UPDATE OF {', '.join(_CHANGE)} ON stage_history FOR EACH ROW WHEN ({_distinct(*_CHANGE)})",
                [_moved_rows(_P, "OLD", "-1", _OF_ROW.format("OLD")),
                 _moved_rows(_P, "NEW", "1", _OF_ROW.format("NEW"))]),
    _pg_trigger("messages_added", _statement("INSERT", "instagram_messages"),
                _message_rows(_P, "n", "1", "FROM new_rows n")),
    _pg_trigger("messages_removed", _statement("DELETE", "instagram_messages"),
                _message_rows(_P, "o", "-1", "FROM old_rows o")),
    _pg_trigger("message_changed",
                f"AFTER UPDATE OF is_outbound ON instagram_messages FOR EACH ROW WHEN ({_distinct('is_outbound')})",
                [f"SELECT 'outbound', '', {_flag(_P, 'NEW.is_outbound')} - {_flag(_P, 'OLD.is_outbound')}"]),
    _pg_trigger("conversations_added", _statement("INSERT", "instagram_conversations"),
                ["SELECT 'conversations', '', 1 FROM new_rows n"]),
    _pg_trigger("conversations_removed", _statement("DELETE", "instagram_conversations"),
                ["SELECT 'conversations', '', -1 FROM old_rows o"]),
)  # fmt: skip
_POSTGRESQL = (
    *(statement for pair in _PG_TRIGGERS for statement in pair),
    "CREATE INDEX idx_contacts_username_trgm ON instagram_contacts USING gin (instagram_username gin_trgm_ops)",
    "CREATE INDEX idx_contacts_display_name_trgm ON instagram_contacts USING gin (display_name gin_trgm_ops)",
)
_PG_FUNCTIONS = tuple(function.split()[2].removesuffix("()") for function, _ in _PG_TRIGGERS)


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
