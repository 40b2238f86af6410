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
from typing import Any

from sqlalchemy import Text, cast, delete, func, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from everreach.db.models import Message
from everreach.db.models_v2 import MessageFeature
from everreach.messages.featurerows import MessageToStore, feature_dicts
from everreach.relationship.rules.inputs import MessageFacts
from everreach.understanding import Classifier, classifier_for

#: (done, total) after each batch of a rebuild.
ProgressFn = Callable[[int, int], None]
REBUILD_BATCH = 5_000
_IN_CHUNK = 500
_F = MessageFeature
_FACT_COLUMNS = (
    _F.contact_id,
    _F.message_id,
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

# -- reading ----------------------------------------------------------------------------------------------


class _FactBuilder:
    """Rows of _FACT_COLUMNS to MessageFacts; the few distinct intent lists are decoded once each."""

    def __init__(self) -> None:
        self._keys: dict[str | None, frozenset[str]] = {None: frozenset(), "[]": frozenset()}

    def keys(self, raw: str | None) -> frozenset[str]:
        found = self._keys.get(raw)
        if found is None:
            assert raw is not None
            found = self._keys[raw] = frozenset(str(k) for k in json.loads(raw))
        return found

    def fact(self, row: Sequence[Any]) -> MessageFacts:
        _cid, mid, sent, out, auto, meaningful, length, q, sd, emo, intents, signals, exc = row
        return MessageFacts(
            id=str(mid),
            sent_at=sent,
            is_outbound=bool(out),
            automated=bool(auto),
            meaningful=bool(meaningful),
            length=int(length),
            question=bool(q),
            self_disclosure=bool(sd),
            emotion=bool(emo),
            intents=self.keys(intents),
            fit_signals=self.keys(signals),
            excerpt=exc,
        )


def facts_for_contacts(session: Session, contact_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[MessageFacts]]:
    """Every asked contact's stored messages as MessageFacts, oldest first (an empty list when it has none)."""
    out: dict[uuid.UUID, list[MessageFacts]] = {cid: [] for cid in contact_ids}
    builder = _FactBuilder()
    ids = list(out)
    for start in range(0, len(ids), _IN_CHUNK):
        query = (
            select(*_FACT_COLUMNS)
            .where(_F.contact_id.in_(ids[start : start + _IN_CHUNK]))
            .order_by(_F.contact_id, _F.sent_at, _F.message_id)
        )
        for row in session.execute(query):
            out[row[0]].append(builder.fact(row))
    return out


def iter_facts(session: Session, *, batch_contacts: int = 2000) -> Iterator[tuple[uuid.UUID, list[MessageFacts]]]:
    """Every contact with stored features and its MessageFacts (oldest first), in contact id order, streamed."""
    builder = _FactBuilder()
    after: uuid.UUID | None = None
    while True:
        bounds = select(_F.contact_id).distinct().order_by(_F.contact_id).limit(batch_contacts)
        if after is not None:
            bounds = bounds.where(_F.contact_id > after)
        contact_ids = list(session.scalars(bounds))
        if not contact_ids:
            return
        query = select(*_FACT_COLUMNS).where(_F.contact_id >= contact_ids[0], _F.contact_id <= contact_ids[-1])
        current: uuid.UUID | None = None
        facts: list[MessageFacts] = []
        for row in session.execute(query.order_by(_F.contact_id, _F.sent_at, _F.message_id)):
            if row[0] != current:
                if current is not None:
                    yield current, facts
                current, facts = row[0], []
            facts.append(builder.fact(row))
        if current is not None:
            yield current, facts
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
    rows = feature_dicts(classifier or classifier_for(session), latest)
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
    classifier = classifier or classifier_for(session)
    key = classifier.definitions_key
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
        conn.execute(statement, feature_dicts(classifier, chunk))
        done += len(chunk)
        after = chunk[-1].id
        if progress is not None:
            progress(done, max(total, done))
    return done


def stale_count(session: Session, *, classifier: Classifier | None = None) -> int:
    """Messages whose features are missing or were computed by another classifier than the current one."""
    key = (classifier or classifier_for(session)).definitions_key
    query = (
        select(func.count())
        .select_from(Message)
        .outerjoin(MessageFeature, MessageFeature.message_id == Message.id)
        .where(Message.contact_id.is_not(None), Message.sent_at.is_not(None))
        .where(or_(MessageFeature.message_id.is_(None), MessageFeature.model_key != key))
    )
    return int(session.scalar(query) or 0)


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
    messages = session.scalar(
        select(func.count()).select_from(Message).where(Message.contact_id.is_not(None), Message.sent_at.is_not(None))
    )
    counts = session.execute(
        select(
            func.count(),
            func.count().filter(_F.meaningful.is_(True)),
            func.count().filter(cast(_F.intents, Text) != "[]"),
            func.count().filter(cast(_F.fit_signals, Text) != "[]"),
        ).select_from(MessageFeature)
    ).one()
    return FeatureSummary(
        messages=int(messages or 0),
        stored=int(counts[0]),
        stale=stale_count(session, classifier=classifier),
        meaningful=int(counts[1]),
        with_intents=int(counts[2]),
        with_fit_signals=int(counts[3]),
        reader=classifier.source,
    )
