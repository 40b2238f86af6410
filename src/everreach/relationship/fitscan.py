"""Fit-signal detection in the database: scan inbound messages not scanned yet, record every match.

Progress is kept in `fit_signal_scans` (the newest message `created_at` read, and a fingerprint of the active
signals and phrases). A later scan reads only messages created since then (with a five-minute overlap for
transactions that committed late); when the signals or phrases change, or on `rescan=True`, every inbound
message is read again and the matches are rebuilt.

On SQLite the marker is the largest message rowid read (kept in a second row, `inbound.rowid`, whose
fingerprint holds the number): `rowid > marker` is a range on the table's own B-tree, while `created_at` has no
index and would cost a full scan of the messages on every recompute. SQLite gives a new row max(rowid) + 1 and
a writer holds the only write lock, so rows appear in rowid order and none is missed.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, false, func, insert, literal, literal_column, select, text, true
from sqlalchemy.orm import Session

from everreach.db.models import FitSignal, FitSignalMatch, FitSignalPhrase, Message
from everreach.db.models_derived import FitSignalScan
from everreach.understanding.lexical import Matcher

SCAN_NAME = "inbound"
ANALYZE_AFTER = 5000  # new matches in one scan that refresh PostgreSQL's statistics of the table
ROWID_NAME = "inbound.rowid"
OVERLAP = timedelta(minutes=5)
BATCH = 5000


def active_phrases(session: Session) -> list[tuple[str, str]]:
    """(signal id, phrase) for each active signal's description and extra phrases, in a stable order."""
    signals = session.execute(
        select(FitSignal.id, FitSignal.signal_description)
        .where(FitSignal.is_active == true())
        .order_by(FitSignal.product, FitSignal.signal_key)
    ).all()
    extra: dict[uuid.UUID, list[str]] = {}
    for sid, phrase in session.execute(
        select(FitSignalPhrase.fit_signal_id, FitSignalPhrase.phrase).order_by(FitSignalPhrase.phrase)
    ):
        extra.setdefault(sid, []).append(phrase)
    out = []
    for sid, description in signals:
        out.append((sid.hex, description))
        out.extend((sid.hex, p) for p in extra.get(sid, []))
    return out


def matcher_for(session: Session) -> tuple[Matcher, str]:
    """The matcher of the active signals, and their fingerprint."""
    phrases = active_phrases(session)
    digest = hashlib.sha256(repr(phrases).encode()).hexdigest()
    return Matcher(phrases), digest


def _rowid_marker(session: Session) -> FitSignalScan | None:
    return session.get(FitSignalScan, ROWID_NAME)


def detect_fit_signals(session: Session, *, rescan: bool = False) -> int:
    """Scan the inbound messages not scanned yet (all of them on `rescan`); return how many matches were added."""
    matcher, fingerprint = matcher_for(session)
    sqlite = session.get_bind().dialect.name == "sqlite"
    state = session.get(FitSignalScan, SCAN_NAME)
    marker = _rowid_marker(session) if sqlite else None
    full = rescan or state is None or state.fingerprint != fingerprint or state.scanned_through is None
    if sqlite and marker is None:
        full = True
    since: datetime | None = None
    after_rowid: int | None = None
    if full:
        session.execute(delete(FitSignalMatch))
    elif sqlite:
        assert marker is not None
        after_rowid = int(marker.fingerprint)
    else:
        assert state is not None
        assert state.scanned_through is not None
        since = state.scanned_through - OVERLAP
    rowid = literal_column("instagram_messages.rowid") if sqlite else literal(0)
    stmt = select(
        Message.id, Message.contact_id, Message.message_text, Message.sent_at, Message.created_at, rowid
    ).where(Message.is_outbound == false(), Message.contact_id.is_not(None))
    existing: set[tuple[uuid.UUID, uuid.UUID]] = set()
    if after_rowid is not None:
        stmt = stmt.where(rowid > after_rowid)
    if since is not None:
        stmt = stmt.where(Message.created_at >= since)
        existing = {
            (sid, mid)
            for sid, mid in session.execute(
                select(FitSignalMatch.fit_signal_id, FitSignalMatch.message_id)
                .join(Message, Message.id == FitSignalMatch.message_id)
                .where(Message.created_at >= since)
            )
        }
    newest = state.scanned_through if state is not None and not full else None
    top = after_rowid or 0
    pending: list[dict[str, Any]] = []
    for mid, cid, body, sent_at, created_at, rid in session.execute(stmt.execution_options(yield_per=BATCH)):
        if created_at is not None and (newest is None or created_at > newest):
            newest = created_at
        top = max(top, int(rid))
        for m in matcher.match(body):
            sid = uuid.UUID(m.signal)
            if (sid, mid) in existing:
                continue
            pending.append(
                {
                    "id": uuid.uuid4(),
                    "contact_id": cid,
                    "fit_signal_id": sid,
                    "message_id": mid,
                    "matched_phrase": m.phrase,
                    "similarity": m.similarity,
                    "matched_on": sent_at,
                }
            )
    for start in range(0, len(pending), BATCH):
        session.execute(insert(FitSignalMatch), pending[start : start + BATCH])
    if not sqlite and len(pending) >= ANALYZE_AFTER:
        # Fresh statistics now, not at autovacuum's next visit: with none, PostgreSQL guesses hundreds of matches
        # per contact and reads a contact's matches through the signal index (8 ms instead of 0.5 for health).
        session.execute(text("ANALYZE fit_signal_matches"))
    if sqlite:
        # Outbound rows are skipped by the query, so the marker is the table's largest rowid, not the last read.
        top = max(
            top, int(session.execute(select(func.max(literal_column("rowid"))).select_from(Message)).scalar() or 0)
        )
        if marker is None:
            session.add(FitSignalScan(name=ROWID_NAME, scanned_through=None, fingerprint=str(top)))
        else:
            marker.fingerprint = str(top)
    if state is None:
        session.add(FitSignalScan(name=SCAN_NAME, scanned_through=newest, fingerprint=fingerprint))
    else:
        state.scanned_through = newest
        state.fingerprint = fingerprint
    session.flush()
    return len(pending)
