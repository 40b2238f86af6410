"""Claiming one due row: pick it, refuse what must never be sent, and move it to `sending` with an attempt.

The claim commits before anything is sent (at most once). Claims are serialised by a short lock
(PostgreSQL: the pacing lock in pace.py plus `FOR UPDATE SKIP LOCKED`; SQLite: `BEGIN IMMEDIATE`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Select, bindparam, exists, func, insert, or_, select, update
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.attributes import set_committed_value

from everreach.contacts.spam import is_spam
from everreach.db.models import Contact, ContactIdentity, Message, OutreachAttempt, OutreachItem
from everreach.db.types import UTCDateTime
from everreach.outreach.pacing import GapRandom, PacingPolicy, cooling_attempt, cooling_message
from everreach.outreach.queue import OPEN_STATUSES
from everreach.outreach.schemas import QueueItemRead
from everreach.outreach.senders import OutboundMessage, Sender
from everreach.outreach.worker.connection import WorkerConnection
from everreach.outreach.worker.pace import idle_step, shared_next_send
from everreach.outreach.worker.step import Claim, Step

#: Rows skipped in one claim (spam, unknown contact, too long) before the step gives up.
MAX_SKIPS = 50

_INSERT_ATTEMPT = insert(OutreachAttempt).values(
    id=bindparam("id"),
    queue_id=bindparam("queue_id"),
    worker_id=bindparam("worker_id"),
    sender=bindparam("sender"),
    claimed_at=bindparam("at", type_=UTCDateTime()),
)
_MARK_SENDING = (
    update(OutreachItem)
    .where(OutreachItem.id == bindparam("item_id"))
    .values(status="sending", error=None)
    .execution_options(synchronize_session=False)
)


def due_rows(policy: PacingPolicy) -> Select[OutreachItem, Contact]:
    """The next row to send and its contact, skipping locked rows and contacts in their cooldown."""
    now = bindparam("now", type_=UTCDateTime())
    since = bindparam("since", type_=UTCDateTime())
    query = (
        select(OutreachItem, Contact)
        .outerjoin(Contact, Contact.id == OutreachItem.contact_id)
        .where(
            OutreachItem.status.in_(OPEN_STATUSES),
            or_(OutreachItem.scheduled_at.is_(None), OutreachItem.scheduled_at <= now),
        )
    )
    if policy.cooldown > timedelta(0):
        other = aliased(OutreachItem)
        query = query.where(
            ~exists().where(
                OutreachAttempt.queue_id == other.id,
                other.contact_id == OutreachItem.contact_id,
                cooling_attempt(since),
            ),
            ~exists().where(Message.contact_id == OutreachItem.contact_id, cooling_message(since)),
        )
    return (
        query.order_by(
            func.coalesce(OutreachItem.priority, 5).desc(),
            func.coalesce(OutreachItem.scheduled_at, OutreachItem.created_at),
            OutreachItem.created_at,
            OutreachItem.id,
        )
        .limit(1)
        .with_for_update(skip_locked=True, of=OutreachItem)
    )


class Claimer:
    """Claims rows for one worker and one sender, at the pace the policy allows."""

    def __init__(self, *, policy: PacingPolicy, sender: Sender, worker_id: str, rng: GapRandom) -> None:
        self.policy = policy
        self.sender = sender
        self.worker_id = worker_id
        self.rng = rng
        # Built once per worker with bind parameters: it runs on every claim.
        self._due_rows = due_rows(policy)

    def claim(
        self, db: WorkerConnection, *, clock: Callable[[], datetime], skipped: list[QueueItemRead]
    ) -> Claim | Step:
        """Claim and commit the next row (its lock held), or the idle step when pacing or the queue says wait."""
        held: uuid.UUID | None = None
        try:
            with db.transaction() as session:
                now = clock()
                nxt = shared_next_send(session, self.policy, now=now, rng=self.rng, is_postgres=db.is_postgres)
                if nxt.at > now:
                    return idle_step(session, self.policy, now=now, allowed=nxt.at, reasons=nxt.reasons)
                for _ in range(MAX_SKIPS):
                    found = session.execute(self._due_rows, {"now": now, "since": now - self.policy.cooldown}).first()
                    if found is None:
                        break
                    item, contact = found
                    refusal = self._refusal(session, item, contact)
                    if refusal is not None:
                        item.status, item.error = refusal
                        session.flush()
                        skipped.append(QueueItemRead.of(item))
                        continue
                    if not db.locks.hold(item.id):
                        break
                    held = item.id
                    return self._mark_sending(session, item, now)
                return idle_step(session, self.policy, now=now, allowed=nxt.at, reasons=nxt.reasons)
        except BaseException:
            if held is not None:
                db.release_quietly(held)
            raise

    def _refusal(self, session: Session, item: OutreachItem, contact: Contact | None) -> tuple[str, str] | None:
        if contact is None:
            contact = session.scalar(select(Contact).where(Contact.instagram_username == item.username))
            if contact is None:
                return "failed", f"unknown contact @{item.username}"
            item.contact_id = contact.id
        if is_spam(contact):
            return "cancelled", "contact flagged as spam: never sent"
        problem = self.sender.check_text(item.message_text)
        if problem:
            return "failed", f"not sent by {self.sender.name}: {problem}"
        return None

    def _mark_sending(self, session: Session, item: OutreachItem, now: datetime) -> Claim:
        # Core statements, not the unit of work: this runs inside the claim lock on every send.
        attempt_id = uuid.uuid4()
        session.execute(
            _INSERT_ATTEMPT,
            {"id": attempt_id, "queue_id": item.id, "worker_id": self.worker_id, "sender": self.sender.name, "at": now},
        )
        session.execute(_MARK_SENDING, {"item_id": item.id})
        # The ORM copy follows without being flushed again.
        set_committed_value(item, "status", "sending")
        set_committed_value(item, "error", None)
        igsid, last_inbound = None, None
        if self.sender.needs_recipient:
            igsid, last_inbound = session.execute(
                select(
                    select(ContactIdentity.external_id)
                    .where(ContactIdentity.contact_id == item.contact_id, ContactIdentity.provider == "instagram")
                    .order_by(ContactIdentity.created_at.desc())
                    .limit(1)
                    .scalar_subquery(),
                    select(func.max(Message.sent_at))
                    .where(Message.contact_id == item.contact_id, Message.is_outbound.is_(False))
                    .scalar_subquery(),
                )
            ).one()
        message = OutboundMessage(
            queue_id=item.id,
            contact_id=item.contact_id,
            username=item.username,
            text=item.message_text,
            now=now,
            igsid=igsid,
            last_inbound_at=last_inbound,
        )
        return Claim(item=item, attempt_id=attempt_id, message=message)
