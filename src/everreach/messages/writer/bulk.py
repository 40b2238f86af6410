"""The bulk lane of the message writer: imported threads in batches (contacts, conversations, messages, counters).

The hot path bypasses the ORM: rows are prepared in Python and written with the DB-API (`executemany` on
SQLite; `COPY` into a temporary table then `INSERT ... ON CONFLICT DO NOTHING` on PostgreSQL). The seed's
unique index (contact_id, message_text, sent_at) is the dedupe guard. A batch holds whole threads only and is
one transaction, so an interrupted import never leaves half a thread behind. Each new message's
message_features row is written in that transaction too (`features.py`: one classify call per batch).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.orm import Session

from everreach.contacts.counters import count_messages
from everreach.contacts.spam import SpamMatcher, is_spam, with_spam_tag
from everreach.db.models import AutomationPattern
from everreach.db.types import sqlite_timestamp
from everreach.messages.writer.features import FeatureWriter
from everreach.messages.writer.rows import (
    BatchResult,
    ContactState,
    ConversationState,
    PendingThread,
    ms_to_datetime,
    prepare_rows,
)
from everreach.understanding import Classifier, SignalDefinition, get_classifier
from everreach.understanding.signals import active_signals

SQLITE_CACHE_KB = 65_536
_MSG_COLUMNS = "id, conversation_id, contact_id, message_text, message_type, is_outbound, sent_at, raw_data"


class Writer:
    """Writes threads in batches on one connection; call `flush()` to commit what is pending."""

    def __init__(self, engine: Engine, *, batch_rows: int = 20_000, classifier: Classifier | None = None) -> None:
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        self.batch_rows = batch_rows
        conn = engine.connect()
        self.conn: Connection = conn.execution_options(sqlite_begin="IMMEDIATE") if self.sqlite else conn
        dbapi: Any = self.conn.connection.dbapi_connection
        self.dbapi = dbapi
        if self.sqlite:
            # A larger page cache keeps the hot index pages (random UUID keys, the text index, FTS) in memory;
            # checkpoints wait until the end so each batch commit does not rewrite the same pages again.
            dbapi.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KB}")
            dbapi.execute("PRAGMA wal_autocheckpoint=0")
        self.contacts: dict[str, ContactState] = {}
        self.conversations: dict[tuple[Any, str], ConversationState] = {}
        self.known_handles: dict[str, str] = {}
        self.spam = SpamMatcher([])
        self.pending: list[PendingThread] = []
        self.pending_rows = 0
        self.new_contacts: list[tuple[ContactState, str]] = []
        self.new_conversations: list[tuple[Any, ...]] = []
        self._load(classifier)

    # -- setup --------------------------------------------------------------------------------------------

    def _sql(self, statement: str) -> str:
        return statement if self.sqlite else statement.replace("?", "%s")

    def _load(self, classifier: Classifier | None) -> None:
        with self.conn.begin():
            cur = self.dbapi.cursor()
            cur.execute("SELECT id, instagram_username, display_name, tags FROM instagram_contacts")
            for cid, username, display, tags in cur.fetchall():
                self.contacts[username] = ContactState(cid, display, self._read_tags(tags))
            cur.execute("SELECT id, contact_id, thread_id, last_message_at FROM instagram_conversations")
            for conv_id, contact_id, thread_id, last_at in cur.fetchall():
                if thread_id is not None:
                    state = ConversationState(conv_id, self._read_ts(last_at))
                    self.conversations[(contact_id, thread_id)] = state
            patterns = self.conn.execute(
                select(
                    AutomationPattern.pattern_type, AutomationPattern.pattern_key, AutomationPattern.pattern_value
                ).where(func.coalesce(AutomationPattern.is_active, True))
            ).all()
            cur.close()
            signals: list[SignalDefinition] = []
            if classifier is None:
                with Session(bind=self.conn) as session:
                    signals = active_signals(session)
        # The classifier (model load and training) is made at the first batch with new messages: a re-import
        # never pays for it, and its memory never adds to the peak of reading a large file before it.
        self.features = FeatureWriter(
            (lambda: classifier) if classifier is not None else (lambda: get_classifier(signals)), sqlite=self.sqlite
        )
        self.known_handles = {k.lower(): v for t, k, v in patterns if t == "known_handle"}
        self.spam = SpamMatcher([v for t, _k, v in patterns if t == "spam_pattern"])

    def close(self) -> None:
        """Drop anything unflushed, checkpoint the WAL (SQLite), and release the connection."""
        if self.sqlite:
            self.dbapi.execute("PRAGMA wal_autocheckpoint=1000")
            self.dbapi.execute("PRAGMA cache_size=-2000")
            if not self.conn.in_transaction():
                self.dbapi.execute("PRAGMA wal_checkpoint(PASSIVE)")
        self.conn.close()

    # -- value forms ----------------------------------------------------------------------------------------

    def new_id(self) -> Any:
        """A new primary key in the form the engine stores."""
        return uuid.uuid4().hex if self.sqlite else uuid.uuid4()

    def ts(self, value: datetime | None) -> Any:
        """A timestamp in the engine's stored form."""
        if value is None or not self.sqlite:
            return value
        return sqlite_timestamp(value)

    def _read_ts(self, value: Any) -> datetime | None:
        if value is None:
            return None
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)

    def _read_tags(self, value: Any) -> list[str] | None:
        if value is None:
            return None
        if isinstance(value, str):
            loaded = json.loads(value)
            return list(loaded) if isinstance(loaded, list) else None
        return list(value)

    def _tags_value(self, tags: list[str] | None) -> Any:
        if tags is None or not self.sqlite:
            return tags
        return json.dumps(tags)

    # -- threads --------------------------------------------------------------------------------------------

    def contact(self, username: str, display_name: str | None, *, group: bool) -> ContactState:
        """The contact for a username, created (in this batch) when it does not exist."""
        state = self.contacts.get(username)
        if state is not None:
            if state.display_name is None and (display_name or self.known_handles.get(username)):
                state.display_name = display_name or self.known_handles.get(username)
                state.dirty = True
            return state
        display = display_name or self.known_handles.get(username)
        state = ContactState(self.new_id(), display, ["group"] if group else None, new=True, stats_known=True)
        self.contacts[username] = state
        self.new_contacts.append((state, username))
        return state

    def conversation(self, contact: ContactState, thread_id: str, *, tab: str, is_archived: bool) -> ConversationState:
        """The conversation of a contact's thread, created when missing."""
        key = (contact.id, thread_id)
        state = self.conversations.get(key)
        if state is None:
            state = ConversationState(self.new_id(), None, new=True)
            self.conversations[key] = state
            self.new_conversations.append((state.id, contact.id, thread_id, tab, is_archived))
        return state

    def add_thread(self, pending: PendingThread) -> None:
        """Queue a prepared thread; the batch is written once it holds enough rows."""
        self.pending.append(pending)
        self.pending_rows += len(pending.rows) + 1

    def due(self) -> bool:
        """True when the pending batch is big enough to write."""
        return self.pending_rows >= self.batch_rows

    # -- the batch ------------------------------------------------------------------------------------------

    def flush(self) -> BatchResult:
        """Write and commit every pending thread in one transaction."""
        result = BatchResult()
        if not self.pending and not self.new_contacts:
            return result
        with self.conn.begin():
            cur = self.dbapi.cursor()
            self._insert_contacts(cur)
            self._insert_conversations(cur)
            inserted = self._insert_messages(cur)
            self.features.write(cur, self.pending, inserted)
            self._apply_stats(cur, inserted, result)
            self._update_conversations(cur)
            self._update_contacts(cur)
            cur.close()
        self.pending.clear()
        self.pending_rows = 0
        return result

    def _insert_contacts(self, cur: Any) -> None:
        if not self.new_contacts:
            return
        now = self.ts(datetime.now(UTC))
        cur.executemany(
            self._sql(
                "INSERT INTO instagram_contacts (id, instagram_username, display_name, tags, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?)"
            ),
            [(s.id, u, s.display_name, self._tags_value(s.tags), now, now) for s, u in self.new_contacts],
        )
        self.new_contacts.clear()

    def _insert_conversations(self, cur: Any) -> None:
        if not self.new_conversations:
            return
        now = self.ts(datetime.now(UTC))
        cur.executemany(
            self._sql(
                "INSERT INTO instagram_conversations (id, contact_id, thread_id, tab, is_archived, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            ),
            [(*row, now, now) for row in self.new_conversations],
        )
        self.new_conversations.clear()

    def _insert_messages(self, cur: Any) -> list[list[bool] | int]:
        """Insert every pending row; per thread, which rows were new (or just how many)."""
        if self.sqlite:
            counts: list[list[bool] | int] = []
            sql = (
                f"INSERT INTO instagram_messages ({_MSG_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING"
            )
            for thread in self.pending:
                cur.executemany(sql, thread.rows)
                counts.append(cur.rowcount if cur.rowcount >= 0 else 0)
            return counts
        cur.execute(
            "CREATE TEMP TABLE IF NOT EXISTS ingest_messages (id uuid, conversation_id uuid, contact_id uuid, "
            "message_text text, message_type text, is_outbound boolean, sent_at timestamptz, raw_data jsonb)"
        )
        with cur.copy(f"COPY ingest_messages ({_MSG_COLUMNS}) FROM STDIN") as copy:
            for thread in self.pending:
                for row in thread.rows:
                    copy.write_row(row)
        cur.execute(
            f"INSERT INTO instagram_messages ({_MSG_COLUMNS}) SELECT {_MSG_COLUMNS} FROM ingest_messages "
            "ON CONFLICT DO NOTHING RETURNING id"
        )
        new_ids = {r[0].hex for r in cur.fetchall()}
        cur.execute("TRUNCATE ingest_messages")
        return [[row[0] in new_ids for row in thread.rows] for thread in self.pending]

    def _apply_stats(self, cur: Any, inserted: list[list[bool] | int], result: BatchResult) -> None:
        recompute: dict[Any, ContactState] = {}
        for thread, outcome in zip(self.pending, inserted, strict=True):
            contact = thread.contact
            total = len(thread.rows)
            if isinstance(outcome, int):
                new = outcome
                flags = [True] * total if new == total else None
            else:
                new = sum(outcome)
                flags = outcome
            result.new_messages += new
            result.duplicates += total - new
            if new:
                contact.got_messages = True
                if not contact.new:
                    result.updated_contacts.add(contact.id)
            if new and contact.stats_known and flags is not None:
                self._add_stats(contact, thread, flags)
            elif new:
                recompute[contact.id] = contact
        if recompute:
            self._recompute_stats(list(recompute.values()))

    def _add_stats(self, contact: ContactState, thread: PendingThread, flags: list[bool]) -> None:
        latest: int | None = None
        for is_new, outbound, meaningful, sent in zip(
            flags, thread.outbound_flags, thread.meaningful, thread.sent_at, strict=True
        ):
            if not is_new:
                continue
            if outbound:
                contact.sent += 1
            else:
                contact.received += 1
            if meaningful and (latest is None or sent > latest):
                latest = sent
        if latest is not None:
            touch = ms_to_datetime(latest)
            if contact.last_touch is None or touch > contact.last_touch:
                contact.last_touch = touch
        contact.dirty = True

    def _recompute_stats(self, contacts: list[ContactState]) -> None:
        """Exact counts and last meaningful touch from the stored messages (contacts others may also write)."""
        by_id = {c.id: c for c in contacts}
        keys = [uuid.UUID(hex=k) if isinstance(k, str) else k for k in by_id]
        for contact_id, (sent, received, last_touch) in count_messages(self.conn, contact_ids=keys).items():
            state = by_id[contact_id.hex if self.sqlite else contact_id]
            state.sent, state.received, state.last_touch = sent, received, last_touch
            state.stats_known, state.dirty = True, True

    def _update_conversations(self, cur: Any) -> None:
        rows = []
        now = self.ts(datetime.now(UTC))
        for thread in self.pending:
            conv, last = thread.conversation, thread.last_preview
            if last is None or (conv.last_at is not None and conv.last_at >= last[0]):
                continue
            conv.last_at = last[0]
            rows.append((self.ts(last[0]), last[1], last[2], thread.tab, thread.is_archived, now, conv.id))
        if rows:
            cur.executemany(
                self._sql(
                    "UPDATE instagram_conversations SET last_message_at = ?, last_message_preview = ?, "
                    "last_message_is_outbound = ?, tab = ?, is_archived = ?, updated_at = ? WHERE id = ?"
                ),
                rows,
            )

    def _update_contacts(self, cur: Any) -> None:
        touched = {t.contact.id: t.contact for t in self.pending}
        rows = []
        now = self.ts(datetime.now(UTC))
        for contact in touched.values():
            if not contact.dirty:
                continue
            contact.dirty = False
            if contact.stats_known:
                rows.append(
                    (contact.sent, contact.received, self.ts(contact.last_touch), contact.display_name,
                     self._tags_value(contact.tags), now, contact.id)
                )  # fmt: skip
            else:
                cur.execute(
                    self._sql("UPDATE instagram_contacts SET display_name = ?, tags = ?, updated_at = ? WHERE id = ?"),
                    (contact.display_name, self._tags_value(contact.tags), now, contact.id),
                )
        if rows:
            cur.executemany(
                self._sql(
                    "UPDATE instagram_contacts SET total_messages_sent = ?, total_messages_received = ?, "
                    "last_meaningful_touch = ?, display_name = ?, tags = ?, updated_at = ? WHERE id = ?"
                ),
                rows,
            )

    def prepare_rows(
        self, contact: ContactState, conversation: ConversationState, messages: list[Any], outbound: list[bool]
    ) -> PendingThread:
        """Rows in the engine's stored form, plus what statistics need (direction, meaningful, time)."""
        return prepare_rows(contact, conversation, messages, outbound, sqlite=self.sqlite)

    def tag_spam(self, contact: ContactState, texts: list[str]) -> bool:
        """Add the "spam" tag when an inbound text matches a spam pattern; True when newly flagged."""
        if is_spam(contact):
            return False
        if not self.spam.matches_any(texts):
            return False
        contact.tags = with_spam_tag(contact.tags)
        contact.dirty = True
        return True
