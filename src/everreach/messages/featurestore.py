"""message_features, its owner: the rows the message writer stores, read back as `MessageFacts`, and rebuild().

Every writer (import's bulk lane, the single-message lane of the webhook and outreach, the browser sync)
stores a message's row in the message's own transaction; `rebuild()` computes every row again from the
messages (after a classifier or rule change, or for messages written before the table existed).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, bindparam, cast, delete, func, insert, or_, select, type_coerce
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from everreach.db.models import Message
from everreach.db.models_v2 import MessageFeature
from everreach.messages.featurerows import FeatureReader, MessageToStore, reading_key, reading_key_of
from everreach.relationship.rules.inputs import MessageFacts
from everreach.understanding import Classifier, classifier_for

#: (done, total) after each batch of a rebuild.
ProgressFn = Callable[[int, int], None]
REBUILD_BATCH = 5_000
_IN_CHUNK = 500
_F = MessageFeature


def _raw(column: Any) -> Any:
    """The column as the driver returns it, without SQLAlchemy's per-row conversion (a hot loop)."""
    return type_coerce(column, Text)


_FACT_COLUMNS = (
    _raw(_F.contact_id),
    _raw(_F.message_id),
    _F.sent_at,
    _F.is_outbound,
    _F.automated,
    _F.meaningful,
    _F.length,
    _F.question,
    _F.self_disclosure,
    _F.emotion,
    cast(_F.intents, Text),
    cast(_F.fit_signals, Text),
    _F.excerpt,
)
# SQLite stores UTC times as offset-free text: parsed with the offset appended, they come back aware.
_SQLITE_FACT_COLUMNS = (*_FACT_COLUMNS[:2], _raw(_F.sent_at).concat("+00:00"), *_FACT_COLUMNS[3:])
_FACT_ORDER = (_F.contact_id, _F.sent_at, _F.message_id)
# Some contacts' facts, built once per engine's columns (the contact page reads one contact's on every view):
# building the statement and its cache key on each call cost more than running it.
_FACTS_OF = {
    sqlite: select(*columns).where(_F.contact_id.in_(bindparam("ids", expanding=True))).order_by(*_FACT_ORDER)
    for sqlite, columns in ((True, _SQLITE_FACT_COLUMNS), (False, _FACT_COLUMNS))
}

# -- reading ----------------------------------------------------------------------------------------------


class _FactBuilder:
    """Driver rows to MessageFacts on either engine; the few distinct intent lists are decoded once each.

    SQLite gives ids as 32 hex digits and times as UTC text; PostgreSQL gives UUIDs and aware datetimes.
    """

    def __init__(self, session: Session) -> None:
        self.conn = session.connection()
        self.sqlite = self.conn.dialect.name == "sqlite"
        self.columns = _SQLITE_FACT_COLUMNS if self.sqlite else _FACT_COLUMNS
        self._keys: dict[str | None, frozenset[str]] = {None: frozenset(), "[]": frozenset()}

    def rows(self, query: Any, params: dict[str, Any] | None = None) -> Iterator[Any]:
        """The rows of a select over self.columns, through the Core connection (no ORM loading), fetched
        a few thousand at a time."""
        for part in self.conn.execute(query, params).partitions(4096):
            yield from part

    def contact(self, raw: Any) -> uuid.UUID:
        """A contact id as the driver gave it, as a UUID."""
        return uuid.UUID(hex=raw) if self.sqlite else raw

    def keys(self, raw: str | None) -> frozenset[str]:
        found = self._keys.get(raw)
        if found is None:
            assert raw is not None
            found = self._keys[raw] = frozenset(str(k) for k in json.loads(raw))
        return found

    def fact(self, row: Sequence[Any]) -> MessageFacts:
        _cid, mid, sent, out, auto, meaningful, length, q, sd, emo, intents, signals, exc = row
        if self.sqlite:
            mid = f"{mid[:8]}-{mid[8:12]}-{mid[12:16]}-{mid[16:20]}-{mid[20:]}"
            sent = datetime.fromisoformat(sent)
        else:
            mid = str(mid)
        # Positional, in MessageFacts' field order (id, sent_at, is_outbound, automated, meaningful, length,
        # question, self_disclosure, emotion, intents, fit_signals, excerpt): the hot loop of a full recompute.
        keys = self.keys
        return MessageFacts(mid, sent, bool(out), bool(auto), bool(meaningful), length, bool(q), bool(sd),
                            bool(emo), keys(intents), keys(signals), exc)  # fmt: skip


def facts_for_contacts(session: Session, contact_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[MessageFacts]]:
    """Every asked contact's stored messages as MessageFacts, oldest first (an empty list when it has none)."""
    out: dict[uuid.UUID, list[MessageFacts]] = {cid: [] for cid in contact_ids}
    builder = _FactBuilder(session)
    ids = list(out)
    for start in range(0, len(ids), _IN_CHUNK):
        chunk = ids[start : start + _IN_CHUNK]
        lists = {(cid.hex if builder.sqlite else cid): out[cid] for cid in chunk}
        for row in builder.rows(_FACTS_OF[builder.sqlite], {"ids": chunk}):
            lists[row[0]].append(builder.fact(row))
    return out


def iter_facts(session: Session, *, batch_contacts: int = 2000) -> Iterator[tuple[uuid.UUID, list[MessageFacts]]]:
    """Every contact with stored features and its MessageFacts (oldest first), in contact id order, streamed."""
    builder = _FactBuilder(session)
    after: uuid.UUID | None = None
    while True:
        bounds = select(_F.contact_id).distinct().order_by(_F.contact_id).limit(batch_contacts)
        if after is not None:
            bounds = bounds.where(_F.contact_id > after)
        contact_ids = list(builder.conn.scalars(bounds))
        if not contact_ids:
            return
        query = select(*builder.columns).where(_F.contact_id >= contact_ids[0], _F.contact_id <= contact_ids[-1])
        current: Any = None
        facts: list[MessageFacts] = []
        for row in builder.rows(query.order_by(*_FACT_ORDER)):
            if row[0] != current:
                if current is not None:
                    yield builder.contact(current), facts
                current, facts = row[0], []
            facts.append(builder.fact(row))
        if current is not None:
            yield builder.contact(current), facts
        after = contact_ids[-1]


# -- writing ----------------------------------------------------------------------------------------------


def _upsert(dialect: str) -> Any:
    module: Any = sqlite if dialect == "sqlite" else postgresql
    stmt = module.insert(MessageFeature)
    columns = [c.name for c in MessageFeature.__table__.columns if c.name != "message_id"]
    return stmt.on_conflict_do_update(
        index_elements=[MessageFeature.message_id], set_={c: stmt.excluded[c] for c in columns}
    )


def store_features(
    session: Session, messages: Sequence[MessageToStore], *, classifier: Classifier | None = None
) -> int:
    """Compute and store (or replace) the features of these messages in the session's transaction; how many."""
    if not messages:
        return 0
    latest = list({m.id: m for m in messages}.values())  # one row per message, even when one is given twice
    rows = FeatureReader(classifier or classifier_for(session)).rows(latest)
    conn = session.connection()
    conn.execute(_upsert(conn.dialect.name), rows)
    return len(rows)


def messages_by_id(session: Session, message_ids: Collection[uuid.UUID]) -> list[MessageToStore]:
    """These stored messages as the feature computation reads them (those without contact or time left out)."""
    ids = list(message_ids)
    found: list[MessageToStore] = []
    for start in range(0, len(ids), _IN_CHUNK):
        query = _message_query().where(Message.id.in_(ids[start : start + _IN_CHUNK]))
        found.extend(_to_store(row) for row in session.execute(query))
    return found


def _message_query() -> Any:
    return select(
        Message.id,
        Message.contact_id,
        Message.sent_at,
        Message.message_text,
        Message.message_type,
        Message.is_outbound,
        Message.sent_by_automation,
    ).where(Message.contact_id.is_not(None), Message.sent_at.is_not(None))


def _to_store(row: Sequence[Any]) -> MessageToStore:
    mid, cid, sent, text, mtype, out, auto = row
    return MessageToStore(mid, cid, sent, text, mtype or "text", bool(out), bool(auto))


# -- rebuild ----------------------------------------------------------------------------------------------


def rebuild(
    session: Session,
    *,
    progress: ProgressFn | None = None,
    stale_only: bool = False,
    batch: int = REBUILD_BATCH,
    classifier: Classifier | None = None,
) -> int:
    """Compute every message's features again (or only rows missing or made by another classifier); how many.

    Works in the caller's transaction, `batch` messages at a time (one classify call each).
    """
    reader = FeatureReader(classifier or classifier_for(session))
    key = reader.model_key
    conn = session.connection()
    base = _message_query()
    if stale_only:
        base = base.outerjoin(MessageFeature, MessageFeature.message_id == Message.id).where(
            or_(MessageFeature.message_id.is_(None), MessageFeature.model_key != key)
        )
    else:
        # Rows of messages that lost their contact or time go too; every other row is written again below.
        conn.execute(delete(MessageFeature))
    total = int(session.scalar(select(func.count()).select_from(base.subquery())) or 0)
    statement = _upsert(conn.dialect.name) if stale_only else insert(MessageFeature)
    done = 0
    after: uuid.UUID | None = None
    if progress is not None:
        progress(0, total)
    while True:
        query = base.order_by(Message.id).limit(batch)
        if after is not None:
            query = query.where(Message.id > after)
        chunk = [_to_store(row) for row in session.execute(query)]
        if not chunk:
            break
        conn.execute(statement, reader.rows(chunk))
        done += len(chunk)
        after = chunk[-1].id
        if progress is not None:
            progress(done, max(total, done))
    return done


def stale_count(session: Session, *, classifier: Classifier | None = None) -> int:
    """Messages whose features are missing or were computed by another classifier than the current one."""
    key = reading_key(classifier or classifier_for(session))
    query = (
        select(func.count())
        .select_from(Message)
        .outerjoin(MessageFeature, MessageFeature.message_id == Message.id)
        .where(Message.contact_id.is_not(None), Message.sent_at.is_not(None))
        .where(or_(MessageFeature.message_id.is_(None), MessageFeature.model_key != key))
    )
    return int(session.scalar(query) or 0)


def _readable_messages(session: Session) -> int:
    """Messages a features row is kept for: those with a contact and a time."""
    readable = (Message.contact_id.is_not(None), Message.sent_at.is_not(None))
    return int(session.scalar(select(func.count()).select_from(Message).where(*readable)) or 0)


def needs_reading(session: Session) -> bool:
    """Some message has no stored features, or was read by other signals or reading rules than today's (what
    `rebuild(stale_only=True)` would read again). Cheap, without training a classifier: one count of each
    table and one probe for a row with another key (a scan only when every row is current)."""
    from everreach.understanding.definitions import build_definitions
    from everreach.understanding.model import MODEL_NAME
    from everreach.understanding.signals import active_signals

    stored = session.scalar(select(func.count()).select_from(MessageFeature))
    if (stored or 0) < _readable_messages(session):
        return True
    key = reading_key_of(build_definitions(tuple(active_signals(session))).key(MODEL_NAME))
    return session.scalar(select(MessageFeature.message_id).where(MessageFeature.model_key != key).limit(1)) is not None


@dataclass(frozen=True)
class FeatureSummary:
    """What the stored features hold, for a person: messages, rows, and how many say something."""

    messages: int
    stored: int
    stale: int
    meaningful: int
    with_intents: int
    with_fit_signals: int
    reader: str


def feature_summary(session: Session, *, classifier: Classifier | None = None) -> FeatureSummary:
    """Counts over message_features and the messages they are read from."""
    classifier = classifier or classifier_for(session)
    messages = _readable_messages(session)
    counts = session.execute(
        select(
            func.count(),
            func.count().filter(_F.meaningful.is_(True)),
            func.count().filter(cast(_F.intents, Text) != "[]"),
            func.count().filter(cast(_F.fit_signals, Text) != "[]"),
        ).select_from(MessageFeature)
    ).one()
    return FeatureSummary(
        messages=messages,
        stored=int(counts[0]),
        stale=stale_count(session, classifier=classifier),
        meaningful=int(counts[1]),
        with_intents=int(counts[2]),
        with_fit_signals=int(counts[3]),
        reader=classifier.source,
    )
