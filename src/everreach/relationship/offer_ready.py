"""offer_ready_contacts, its owner: the contacts whose lane is offer (the weekly tasks and the lane listings read
it; every other lane follows from the stored score and stage).

Recompute keeps it for the contacts it assesses (`sync`); `rebuild()` sets it from every contact's standing
(a test holds the two equal).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from everreach.db.models_derived import OfferReadyContact
from everreach.relationship import tasks

BATCH = 2000
OFFER = "offer"


def marked(session: Session) -> list[uuid.UUID]:
    """The contacts in the offer lane, in id order (the read is tasks.py's, Core only)."""
    return tasks.offer_ready_ids(session)


def sync(session: Session, ready: set[uuid.UUID], *, scope: Collection[uuid.UUID] | None, now: datetime) -> None:
    """Make the table hold exactly `ready` among the contacts in `scope` (every contact when None)."""
    column = OfferReadyContact.contact_id
    if scope is None:
        current = set(session.scalars(select(column)))
    else:
        ids = list(scope)
        current = set()
        for start in range(0, len(ids), BATCH):
            current |= set(session.scalars(select(column).where(column.in_(ids[start : start + BATCH]))))
    gone = sorted(current - ready)
    for start in range(0, len(gone), BATCH):
        stmt = delete(OfferReadyContact).where(column.in_(gone[start : start + BATCH]))
        session.execute(stmt.execution_options(synchronize_session=False))
    new = [{"contact_id": cid, "marked_at": now} for cid in sorted(ready - current)]
    for start in range(0, len(new), BATCH):
        session.execute(insert(OfferReadyContact), new[start : start + BATCH])


def rebuild(session: Session, *, now: datetime) -> int:
    """Set the table from every contact's standing at `now`; returns how many are offer-ready."""
    from everreach.relationship.standings import every_standing

    ready = {a.contact_id for a in every_standing(session, now=now) if a.standing.lane.lane == OFFER}
    sync(session, ready, scope=None, now=now)
    return len(ready)
