"""A contact's message counters: messages sent and received, and the last meaningful touch.

One definition, counted from the stored messages (`count_messages`), written back by `recount`; a delivered
automated send adds one to `total_messages_sent` (`add_sent`, no recount on the send path). The importer's
bulk lane adds the counts of contacts it created itself in memory and recounts the others with
`count_messages`. A recompute writes the same totals from the relationship engine's facts.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, case, func, select, true, update
from sqlalchemy.orm import Session

from everreach.db.models import Contact, Message
from everreach.relationship.touch import meaningful_sql

CHUNK = 500

_ADD_SENT = (
    update(Contact)
    .where(Contact.id == bindparam("cid"))
    .values(total_messages_sent=func.coalesce(Contact.total_messages_sent, 0) + 1)
)


def _counts_stmt(ids: list[uuid.UUID]) -> Any:
    m = Message.__table__.c
    meaningful = meaningful_sql(
        text=m.message_text,
        is_outbound=m.is_outbound,
        sent_by_automation=m.sent_by_automation,
        message_type=m.message_type,
    )
    return (
        select(
            m.contact_id,
            func.sum(case((m.is_outbound == true(), 1), else_=0)),
            func.sum(case((m.is_outbound == true(), 0), else_=1)),
            func.max(case((meaningful, m.sent_at))),
        )
        .where(m.contact_id.in_(ids))
        .group_by(m.contact_id)
    )


def count_messages(
    conn: Connection, *, contact_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, tuple[int, int, datetime | None]]:
    """contact id -> (sent, received, last meaningful touch), from the stored messages (none: left out)."""
    keys = list(contact_ids)
    out: dict[uuid.UUID, tuple[int, int, datetime | None]] = {}
    for start in range(0, len(keys), CHUNK):
        for contact_id, sent, received, last in conn.execute(_counts_stmt(keys[start : start + CHUNK])):
            out[contact_id] = (int(sent or 0), int(received or 0), last)
    return out


def recount(session: Session, *, contact_ids: Collection[uuid.UUID]) -> None:
    """Write the counters of the given contacts from their stored messages."""
    if not contact_ids:
        return
    session.flush()
    for contact_id, (sent, received, last) in count_messages(session.connection(), contact_ids=contact_ids).items():
        session.execute(
            update(Contact)
            .where(Contact.id == contact_id)
            .values(
                total_messages_sent=sent,
                total_messages_received=received,
                last_meaningful_touch=last,
                updated_at=func.now(),
            )
        )


def add_sent(conn: Connection, *, contact_id: uuid.UUID, at: datetime) -> None:
    """Count one more message sent to the contact (a delivered automated send: no touch, no recount)."""
    conn.execute(_ADD_SENT, {"cid": contact_id, "updated_at": at})
