"""Fit-signal detection in the database: scan inbound messages not scanned yet, record every match.

Progress is kept in `fit_signal_scans` (the newest message `created_at` read, and a fingerprint of the active
signals and phrases). A later scan reads only messages created since then (with a five-minute overlap for
transactions that committed late); when the signals or phrases change, or on `rescan=True`, every inbound
message is read again and the matches are rebuilt.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, false, insert, select, true
from sqlalchemy.orm import Session

from everreach.db.models import FitSignal, FitSignalMatch, FitSignalPhrase, FitSignalScan, Message
from everreach.relationship.fitmatch import Matcher

SCAN_NAME = "inbound"
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


def detect_fit_signals(session: Session, *, rescan: bool = False) -> int:
    """Scan the inbound messages not scanned yet (all of them on `rescan`); return how many matches were added."""
    matcher, fingerprint = matcher_for(session)
    state = session.get(FitSignalScan, SCAN_NAME)
    full = rescan or state is None or state.fingerprint != fingerprint or state.scanned_through is None
    since: datetime | None = None
    if full:
        session.execute(delete(FitSignalMatch))
    else:
        assert state is not None
        assert state.scanned_through is not None
        since = state.scanned_through - OVERLAP
    stmt = select(Message.id, Message.contact_id, Message.message_text, Message.sent_at, Message.created_at).where(
        Message.is_outbound == false(), Message.contact_id.is_not(None)
    )
    existing: set[tuple[uuid.UUID, uuid.UUID]] = set()
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
    added = 0
    pending: list[dict[str, Any]] = []
    for mid, cid, text, sent_at, created_at in session.execute(stmt.execution_options(yield_per=BATCH)):
        if created_at is not None and (newest is None or created_at > newest):
            newest = created_at
        for m in matcher.match(text):
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
    added += len(pending)
    if state is None:
        session.add(FitSignalScan(name=SCAN_NAME, scanned_through=newest, fingerprint=fingerprint))
    else:
        state.scanned_through = newest
        state.fingerprint = fingerprint
    session.flush()
    return added
