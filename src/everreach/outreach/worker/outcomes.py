"""Writing a send's outcome: the row, its attempt, and (when delivered) the outbound message, in one commit.

A write that an outage interrupted is tried again after reconnecting; it first checks whether the lost
write had committed after all (`landed`), so nothing is recorded twice.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.orm import Session

from everreach.db.models import OutreachAttempt, OutreachItem
from everreach.outreach.claims import INTERRUPTED, advisory_unlock
from everreach.outreach.record import record_sent_message
from everreach.outreach.schemas import QueueItemRead
from everreach.outreach.senders import Sender
from everreach.outreach.worker.connection import WorkerConnection
from everreach.outreach.worker.step import Outcome, Step, step_kind

#: Rescheduled sends (429, unavailable) given up on after this many tries of one row.
MAX_DEFERRALS = 5

_SYNC_COMMIT_OFF = text("SET LOCAL synchronous_commit = off")


def record_outcome(db: WorkerConnection, written: Outcome, *, sender: Sender) -> Step:
    """Commit the outcome of one send (PostgreSQL: dropping the claim's lock in the same transaction)."""
    claim, result, now = written.claim, written.result, written.at
    with db.transaction() as session:
        item_id = claim.item.id
        if written.retried:
            landed = _landed(session, written, is_postgres=db.is_postgres)
            if landed is not None:
                return landed
        values: dict[str, object]
        if result.kind == "sent":
            outcome, values = "sent", {"status": "sent", "sent_at": now, "error": None}
        elif result.kind == "retry" and _deferrals(session, item_id) + 1 < MAX_DEFERRALS:
            wait = timedelta(seconds=result.retry_after or 300)
            outcome = "deferred"
            values = {"status": "scheduled", "scheduled_at": now + wait, "error": f"will retry: {result.error}"}
        else:
            error = result.error or "failed"
            if result.kind == "retry":
                error = f"gave up after {MAX_DEFERRALS} tries: {error}"
            outcome, values = "failed", {"status": "failed", "error": error}
        # A row a recovering worker wrongly took for dead still gets the true outcome of a delivery.
        live = OutreachItem.status == "sending"
        if result.kind == "sent":
            live = or_(live, (OutreachItem.status == "failed") & (OutreachItem.error == INTERRUPTED))
        session.execute(
            update(OutreachItem)
            .where(OutreachItem.id == item_id, live)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(OutreachAttempt)
            .where(OutreachAttempt.id == claim.attempt_id)
            .values(outcome=outcome, finished_at=now, error=result.error)
            .execution_options(synchronize_session=False)
        )
        if result.kind == "sent" and sender.delivers and claim.item.contact_id is not None:
            record_sent_message(
                session,
                contact_id=claim.item.contact_id,
                text=claim.item.message_text,
                sent_at=now,
                queue_id=item_id,
                sender=sender.name,
                external_id=result.external_id,
            )
        if db.is_postgres:
            # Losing this commit in a database crash is safe (the row would end "interrupted", never
            # re-sent), so it need not wait for the disk; the claim's commit does.
            session.execute(_SYNC_COMMIT_OFF)
            # Safe before the commit: the row stays locked by this transaction's UPDATE until then.
            advisory_unlock(session, item_id)
    # The next allowed send is worked out by the next claim; the row as recorded needs no re-read.
    row = QueueItemRead.of(claim.item).model_copy(update=values)
    return Step(kind=step_kind(outcome), item=row, error=result.error)


def _landed(session: Session, written: Outcome, *, is_postgres: bool) -> Step | None:
    """The step as already recorded, when the write an outage interrupted had committed after all."""
    item_id = written.claim.item.id
    outcome = session.scalar(select(OutreachAttempt.outcome).where(OutreachAttempt.id == written.claim.attempt_id))
    item = session.get(OutreachItem, item_id)
    if outcome not in ("sent", "deferred", "failed") or item is None:
        return None  # not written (or failed as interrupted by a recovering worker): write it now
    if is_postgres:
        advisory_unlock(session, item_id)
    return Step(kind=step_kind(outcome), item=QueueItemRead.of(item), error=written.result.error)


def _deferrals(session: Session, item_id: uuid.UUID) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(OutreachAttempt)
            .where(OutreachAttempt.queue_id == item_id, OutreachAttempt.outcome == "deferred")
        )
        or 0
    )
