"""instagram_contacts.fit_signals, its owner: per contact, each fit signal their messages showed, how often and
on how many days (the seed's JSONB column, read by the contact page and the API).

The summary is a function of the contact's stored message features only: recompute writes it with the rest of
the contact's row; `rebuild()` writes every contact's from scratch (a test holds the two equal).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from everreach.db.models import Contact
from everreach.relationship.rules.inputs import MessageFacts

BATCH = 2000


def fit_summary(messages: Sequence[MessageFacts]) -> list[dict[str, Any]]:
    """[{product, signal_key, matches, days, last_matched_on}] over their messages, by product and key."""
    found: dict[str, tuple[int, set[object], datetime]] = {}
    for m in messages:
        if m.is_outbound:
            continue
        for signal in m.fit_signals:
            n, days, last = found.get(signal, (0, set(), m.sent_at))
            days.add(m.sent_at.astimezone(UTC).date())
            found[signal] = (n + 1, days, max(last, m.sent_at))
    out = []
    for signal in sorted(found):
        product, _, key = signal.partition("/")
        n, days, last = found[signal]
        out.append(
            {
                "product": product,
                "signal_key": key,
                "matches": n,
                "days": len(days),
                "last_matched_on": last.isoformat(),
            }
        )
    return out


def rebuild(session: Session) -> int:
    """Write every contact's fit-signal summary from its stored features; returns the rows that changed."""
    from everreach.messages.featurestore import iter_facts

    session.flush()
    stored: dict[uuid.UUID, list[Any] | None] = {}
    for cid, value in session.execute(select(Contact.id, Contact.fit_signals)):
        stored[cid] = value
    rows = []
    seen = set()
    for cid, messages in iter_facts(session):
        seen.add(cid)
        summary = fit_summary(messages)
        if summary != (stored.get(cid) or []):
            rows.append({"id": cid, "fit_signals": summary})
    rows += [{"id": cid, "fit_signals": []} for cid, value in stored.items() if cid not in seen and value]
    for start in range(0, len(rows), BATCH):
        session.execute(update(Contact), rows[start : start + BATCH])
    return len(rows)
