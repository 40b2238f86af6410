"""dashboard_counts: the dashboard's totals, kept by triggers (migration 0009), read and rebuilt here.

Rows are (name, key) -> n: 'contacts', 'spam', 'messages', 'outbound', 'conversations' (key ''), 'stage' and
'score' (key: the stored value, '' for NULL), 'born' ('<creation day>|<stage now>') and 'moved' ('<change
day>|<creation day of the contact>|<from>|<to>'), days in UTC. What they mean (buckets, lanes, the chart) is
worked out in Python by the readers; SQL only counts.

On PostgreSQL the triggers append to dashboard_count_journal, each row with its transaction's id; a read adds
the journal's rows not yet folded in and, when they have grown, folds the ones it sees into dashboard_counts
in one statement (under a transaction-level advisory lock taken without waiting, so concurrent readers never
queue behind each other). The fold keeps its snapshot: the rows it could not see are those of transactions
running then (its xip list) or begun after (from its xmax), so reads look up only those by the xid index and
never step over the folded rows, dead until vacuum removes them, however long some other transaction runs.

A full recompute rewrites nearly every stage and score: it runs inside `paused`, where the stage and score
triggers stand down, and those rows are rebuilt once at the end (ranks.paused does this with contact_ranks).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, text

from everreach.errors import DatabaseError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

PAUSE_SETTING = "everreach.counts_paused"
#: SQLite triggers that stand down during a full recompute (their rows are rebuilt after it).
SQLITE_PAUSED_TRIGGERS = ("dashboard_counts_contact_stage", "dashboard_counts_contact_score")
#: The names those triggers keep.
CONTACT_NAMES = ("stage", "score", "born")
TOTAL_NAMES = ("contacts", "spam", "stage", "score", "messages", "outbound", "conversations")
DAY_NAMES = ("born", "moved")
#: Journal rows a PostgreSQL read lets pass before it folds them into dashboard_counts.
FOLD_AT = 200
_LOCK_KEY = 0x45520009
#: The last fold's snapshot is kept as the key of the one 'journal_snapshot' row ('xmin:xmax:xip,...').
_SNAPSHOT = "SELECT key FROM dashboard_counts WHERE name = 'journal_snapshot'"


def _unfolded(conn: Connection) -> tuple[list[str], dict[str, Any]]:
    """Conditions (each served by the xid index) for the journal rows the last fold did not see: those of
    transactions begun at or after its xmax, and of those running when it ran; with their parameters."""
    kept = conn.scalar(text(_SNAPSHOT)) or "3:3:"  # before any fold: every row (3 is the first normal id)
    _, xmax, running = kept.split(":")
    ids = [int(x) for x in running.split(",") if x]
    return ["xid >= :fold_xmax", "xid = ANY(:fold_running)"], {"fold_xmax": int(xmax), "fold_running": ids}


@dataclass(frozen=True)
class Counts:
    """The stored totals as read: (name, key) -> n."""

    rows: dict[tuple[str, str], int] = field(default_factory=dict)
    #: How many of the rows read came from PostgreSQL's journal (not yet folded).
    journal: int = 0

    def total(self, name: str) -> int:
        """The one total stored under `name` (key '')."""
        return self.rows.get((name, ""), 0)

    def by_key(self, name: str) -> dict[str, int]:
        """Every key stored under `name`, with its total (zeros left out)."""
        return {key: n for (kind, key), n in self.rows.items() if kind == name and n}


def _connection(bind: Connection | Session) -> Connection:
    return bind if isinstance(bind, Connection) else bind.connection()


_TOTALS = "name IN ({})".format(", ".join(f"'{n}'" for n in TOTAL_NAMES))
_SELECT = "SELECT name, key, n, 0 FROM dashboard_counts WHERE "
#: SQLite's read of the totals alone (the contact list's, on every page): one statement object, built once.
_SQLITE_TOTALS = text(_SELECT + _TOTALS)


def read(bind: Connection | Session, *, since: date | None = None) -> Counts:
    """The totals; the per-day rows ('born', 'moved') only from `since` on (none when it is None)."""
    conn = _connection(bind)
    pg = conn.dialect.name == "postgresql"
    if not pg and since is None:
        return _counted(conn.execute(_SQLITE_TOTALS))
    where = _TOTALS
    params: dict[str, Any] = {}
    if since is not None:
        where = f"({where} OR (name IN ('born', 'moved') AND key >= :since))"
        params["since"] = since.isoformat()
    sql = _SELECT + where
    if pg:  # the journal's rows the last fold did not see (the others are folded, dead until vacuumed)
        conditions, fold_params = _unfolded(conn)
        params.update(fold_params)
        for condition in conditions:
            sql += f" UNION ALL SELECT name, key, d, 1 FROM dashboard_count_journal WHERE {condition} AND {where}"
    counted = _counted(conn.execute(text(sql), params))
    if pg and counted.journal >= FOLD_AT:
        fold(conn)
    return counted


def _counted(found: Any) -> Counts:
    """The rows (name, key, n, from the journal: 0 or 1) summed per (name, key); how many came from the journal."""
    rows: dict[tuple[str, str], int] = {}
    journal = 0
    for name, key, n, from_journal in found:
        rows[(name, key)] = rows.get((name, key), 0) + int(n)
        journal += from_journal
    return Counts(rows, journal)


def fold(conn: Connection) -> bool:
    """PostgreSQL: move the journal rows this statement sees into dashboard_counts, unless another transaction
    is doing so (then False). The amounts read do not change: each is in one of the two tables either way.

    The rows it sees are those of transactions committed by its snapshot: folded; the snapshot is kept, so
    reads and the next fold take only the rows it did not see. A transaction that has written already does not
    fold (then False too): its own later rows would share an id the kept snapshot counts as seen.
    """
    ready = "SELECT pg_current_xact_id_if_assigned() IS NULL AND pg_try_advisory_xact_lock(:key)"
    if not conn.scalar(text(ready), {"key": _LOCK_KEY}):
        return False
    conditions, params = _unfolded(conn)  # read under the lock: no other fold moves it meanwhile
    conn.execute(
        text(
            "WITH now AS (SELECT pg_current_snapshot()::text AS snap), "
            f"gone AS (DELETE FROM dashboard_count_journal WHERE {' OR '.join(conditions)} "
            "RETURNING name, key, d), "
            "old AS (DELETE FROM dashboard_counts WHERE name = 'journal_snapshot' "
            "AND key <> (SELECT snap FROM now) RETURNING 1), "
            "kept AS (INSERT INTO dashboard_counts (name, key, n) SELECT 'journal_snapshot', snap, 0 FROM now "
            "ON CONFLICT (name, key) DO NOTHING RETURNING 1) "
            "INSERT INTO dashboard_counts (name, key, n) SELECT name, key, sum(d) FROM gone GROUP BY name, key "
            "ON CONFLICT (name, key) DO UPDATE SET n = dashboard_counts.n + excluded.n"
        ),
        params,
    )
    return True


# ---------------------------------------------------------------------------------------------------------
# rebuild: every row from the counted tables, the same sums the triggers keep
# ---------------------------------------------------------------------------------------------------------


def _day(pg: bool, column: str) -> str:
    if pg:
        return f"coalesce(to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD'), '')"
    return f"coalesce(substr({column}, 1, 10), '')"


#: The names counted from instagram_contacts: one grouped pass over the table serves them all.
_CONTACT_PARTS = ("contacts", "spam", "stage", "score", "born")


def _fresh(pg: bool, names: tuple[str, ...]) -> tuple[str, str]:
    """(WITH clauses, a SELECT of (name, key, n)) for the given names, from the counted tables as they are."""
    from everreach.contacts.spam import spam_sql

    spam = str(spam_sql("postgresql" if pg else "sqlite").compile())
    outbound = "CASE WHEN is_outbound THEN 1 ELSE 0 END" if pg else "(is_outbound IS 1)"
    groups = (
        "contact_groups AS (SELECT coalesce(relationship_stage, '') AS stage, "
        "coalesce(CAST(relationship_score AS TEXT), '') AS score, "
        f"{_day(pg, 'created_at')} AS day, CASE WHEN {spam} THEN 1 ELSE 0 END AS spam, count(*) AS n "
        "FROM instagram_contacts GROUP BY 1, 2, 3, 4)"
    )
    parts = {
        "contacts": "SELECT 'contacts', '', coalesce(sum(n), 0) FROM contact_groups",
        "spam": "SELECT 'spam', '', coalesce(sum(spam * n), 0) FROM contact_groups",
        "stage": "SELECT 'stage', stage, sum(n) FROM contact_groups GROUP BY stage",
        "score": "SELECT 'score', score, sum(n) FROM contact_groups GROUP BY score",
        "born": "SELECT 'born', day || '|' || stage, sum(n) FROM contact_groups GROUP BY day, stage",
        "moved": (
            f"SELECT 'moved', {_day(pg, 'h.changed_at')} || '|' || {_day(pg, 'c.created_at')} || '|' || "
            "coalesce(h.from_stage, '') || '|' || coalesce(h.to_stage, ''), count(*) "
            "FROM stage_history h JOIN instagram_contacts c ON c.id = h.contact_id GROUP BY 2"
        ),
        "messages": "SELECT 'messages', '', count(*) FROM instagram_messages",
        "outbound": f"SELECT 'outbound', '', coalesce(sum({outbound}), 0) FROM instagram_messages",
        "conversations": "SELECT 'conversations', '', count(*) FROM instagram_conversations",
    }
    ctes = groups if any(n in _CONTACT_PARTS for n in names) else ""
    return ctes, " UNION ALL ".join(parts[name] for name in names)


ALL_NAMES = (*TOTAL_NAMES, *DAY_NAMES)


def rebuild(conn: Connection, *, names: tuple[str, ...] = ALL_NAMES) -> None:
    """Replace the rows of `names` with sums from the counted tables as they are now (in the caller's
    transaction; on PostgreSQL the journal's amounts for them go, in the same statement)."""
    listed = ", ".join(f"'{n}'" for n in names)
    ctes, fresh = _fresh(conn.dialect.name == "postgresql", names)
    with_ctes = f"{ctes}, " if ctes else ""
    if conn.dialect.name != "postgresql":
        conn.execute(text(f"DELETE FROM dashboard_counts WHERE name IN ({listed})"))
        conn.execute(
            text(
                f"INSERT INTO dashboard_counts (name, key, n) WITH {with_ctes}fresh (name, key, n) AS ({fresh}) "
                "SELECT name, key, n FROM fresh WHERE true"
            )
        )
        return
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    # One statement, one snapshot: the journal rows it deletes are exactly those the fresh sums include.
    conn.execute(
        text(
            f"WITH {with_ctes}fresh (name, key, n) AS ({fresh}), "
            f"cleared AS (DELETE FROM dashboard_count_journal WHERE name IN ({listed}) RETURNING 1), "
            f"stale AS (UPDATE dashboard_counts d SET n = 0 WHERE d.name IN ({listed}) AND d.n <> 0 "
            "AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.name = d.name AND f.key = d.key) RETURNING 1) "
            "INSERT INTO dashboard_counts (name, key, n) SELECT name, key, n FROM fresh "
            "ON CONFLICT (name, key) DO UPDATE SET n = excluded.n"
        )
    )


@contextmanager
def paused(conn: Connection) -> Iterator[None]:
    """Run the block with the stage and score triggers off, then rebuild their rows (in the caller's
    transaction; on an error nothing is rebuilt and the caller's rollback undoes the block and the pause)."""
    pg = conn.dialect.name == "postgresql"
    stored: list[str] = []
    if pg:
        conn.execute(text("SELECT set_config(:name, 'on', true)"), {"name": PAUSE_SETTING})
    else:
        for name in SQLITE_PAUSED_TRIGGERS:
            ddl = conn.scalar(text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :n"), {"n": name})
            if ddl is None:
                raise DatabaseError(f"trigger {name} is missing from this database; `everreach db upgrade` adds it")
            stored.append(ddl)
            conn.exec_driver_sql(f"DROP TRIGGER {name}")
    yield
    rebuild(conn, names=CONTACT_NAMES)
    if pg:
        conn.execute(text("SELECT set_config(:name, 'off', true)"), {"name": PAUSE_SETTING})
    for ddl in stored:
        conn.exec_driver_sql(ddl)
