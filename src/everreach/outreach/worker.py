"""The outreach worker: claim one due row atomically, commit the claim, send, record the outcome.

At most once: the claim (row -> `sending`, an `outreach_attempts` row, a liveness lock) commits before
anything is sent; a claim whose worker died is failed by the next worker, never re-sent (claims.py).
Claims are serialised by a short lock (PostgreSQL: a transaction advisory lock plus `FOR UPDATE SKIP
LOCKED`; SQLite: `BEGIN IMMEDIATE`), so the pacing counts every worker's sends; sending runs unlocked.

Database outages (outage.py) do not stop `run`: it reports them, reconnects with backoff and resumes. An
outcome that could not be written because the database went away mid-send is kept and written first
after reconnecting; if the worker never gets there, the row ends "interrupted", never sent twice.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Engine, Select, bindparam, exists, func, insert, or_, select, text, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.attributes import set_committed_value

from everreach.config import Settings, get_settings
from everreach.contacts.spam import is_spam
from everreach.db.models import Contact, ContactIdentity, Message, OutreachAttempt, OutreachItem
from everreach.db.types import UTCDateTime
from everreach.errors import ConfigError, DatabaseError
from everreach.outreach.claims import INTERRUPTED, AdvisoryLocks, ClaimLocks, FileLocks, lock_key, recover_interrupted
from everreach.outreach.outage import Backoff, Outage, describe, is_outage
from everreach.outreach.pacing import (
    GapRandom,
    PacingFacts,
    PacingPolicy,
    cooldown_until,
    counted_attempt,
    load_facts,
    next_send,
    seeded_gap_random,
)
from everreach.outreach.queue import OPEN_STATUSES, utcnow
from everreach.outreach.record import record_sent_message
from everreach.outreach.schemas import QueueItemRead
from everreach.outreach.senders import OutboundMessage, Sender, SendResult

#: Serialises claims on PostgreSQL (any constant works; this one spells "everreach" loosely).
PACING_LOCK_KEY = 0x0E7E_4EAC_0000_0001
#: Rescheduled sends (429, unavailable) given up on after this many tries of one row.
MAX_DEFERRALS = 5
#: Claims skip the global pacing lock only while both caps are this far from being reached.
LOCK_FREE_HEADROOM = 1000
#: Dead claims are looked for at the first step, after idle steps, and at least this often.
RECOVER_EVERY_SECONDS = 10.0
#: Rows skipped in one claim (spam, unknown contact, too long) before the step gives up.
MAX_SKIPS = 50

StepKind = Literal["sent", "failed", "retry", "idle"]

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


@dataclass
class Step:
    """What one worker step did, and when the next send may happen."""

    kind: StepKind
    item: QueueItemRead | None = None
    error: str | None = None
    next_allowed_send: datetime | None = None
    reasons: tuple[str, ...] = ()
    #: When the worker should look again (idle steps): the later of pacing and the first waiting row.
    wake_at: datetime | None = None
    recovered: list[uuid.UUID] = field(default_factory=list)
    skipped: list[QueueItemRead] = field(default_factory=list)


@dataclass
class _Claim:
    item: OutreachItem
    attempt_id: uuid.UUID
    message: OutboundMessage


@dataclass
class _Outcome:
    """A send's result, kept until it is written (across database outages)."""

    claim: _Claim
    result: SendResult
    at: datetime
    #: A write was tried and failed: it may have committed before the connection went.
    retried: bool = False


def make_worker_id() -> str:
    """host:pid:random, unique per worker run."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Worker:
    """Sends queued rows one at a time through one sender, at the configured human pace."""

    def __init__(
        self,
        engine: Engine,
        *,
        sender: Sender,
        settings: Settings | None = None,
        clock: Callable[[], datetime] = utcnow,
        rng: GapRandom = seeded_gap_random,
        worker_id: str | None = None,
    ) -> None:
        self.engine = engine
        self.sender = sender
        self.policy = PacingPolicy.from_settings(settings or get_settings())
        self.clock = clock
        self.rng = rng
        self.worker_id = worker_id or make_worker_id()
        self.is_postgres = engine.dialect.name == "postgresql"
        self._recover_next = True
        self._due_rows = self._due()
        self._recovered_at = 0.0
        self._unwritten: _Outcome | None = None
        if not self.is_postgres and (not engine.url.database or engine.url.database == ":memory:"):
            raise ConfigError("the worker needs a database file, not an in-memory SQLite database")
        self.locks: ClaimLocks
        # SQLite claim locks are files owned by the process: they outlive any connection.
        self._file_locks = None if self.is_postgres else FileLocks(str(engine.url.database))
        self._connect()

    def _connect(self) -> None:
        # One connection at a time: PostgreSQL claim locks live as long as it does.
        self.conn = self.engine.connect()
        if self._file_locks is None:
            self.locks = AdvisoryLocks(self.conn)
        else:
            self.conn.execution_options(sqlite_begin="IMMEDIATE")
            self.locks = self._file_locks

    def reconnect(self) -> None:
        """After an outage: drop the connection and the pool, connect again, and retake a held claim."""
        with contextlib.suppress(SQLAlchemyError):
            self.conn.invalidate()
        with contextlib.suppress(SQLAlchemyError):
            self.conn.close()
        self.engine.dispose()
        self._connect()
        self._recover_next = True
        if self._unwritten is not None and self.is_postgres:
            # Keeps other workers from failing the row as interrupted while its outcome is written.
            self.locks.hold(self._unwritten.claim.item.id)
            if self.conn.in_transaction():
                self.conn.commit()

    def close(self) -> None:
        """Close the connection and the sender."""
        if self._unwritten is not None:
            # Given up on: the next worker's recovery fails the row as interrupted (never re-sent).
            self._release_quietly(self._unwritten.claim.item.id)
        with contextlib.suppress(SQLAlchemyError):
            self.conn.close()
        self.sender.close()

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        with self._writer(), Session(bind=self.conn, expire_on_commit=False) as session, session.begin():
            yield session

    def _writer(self) -> AbstractContextManager[None]:
        if isinstance(self.locks, FileLocks):
            return self.locks.writer()
        return nullcontext()

    # -- one step ------------------------------------------------------------------------------------------

    def recover(self) -> list[uuid.UUID]:
        """Fail the `sending` rows whose worker died (see claims.py)."""
        dead: list[uuid.UUID] = []
        try:
            with self._transaction() as session:
                dead = recover_interrupted(session, self.locks, now=self.clock())
        finally:
            for item_id in dead:
                self.locks.after_probe(item_id)
        return dead

    def step(self) -> Step:
        """Write an outcome an outage held back, or recover dead claims (when due), claim, send and record one row."""
        if self._unwritten is not None:
            return self._write_outcome()
        recovered: list[uuid.UUID] = []
        if self._recover_next or time.monotonic() >= self._recovered_at + RECOVER_EVERY_SECONDS:
            recovered = self.recover()
            self._recovered_at = time.monotonic()
        skipped: list[QueueItemRead] = []
        claim_or_idle = self._claim(skipped)
        # After an idle step, look for dead claims again: they may be what the queue is waiting on.
        self._recover_next = isinstance(claim_or_idle, Step)
        if isinstance(claim_or_idle, Step):
            claim_or_idle.recovered, claim_or_idle.skipped = recovered, skipped
            return claim_or_idle
        claim = claim_or_idle
        try:
            result = self.sender.send(claim.message)
        except Exception as exc:  # a sender bug must not lose the outcome: the row fails, never re-sent
            result = SendResult.failed(f"delivery unknown: sender error: {type(exc).__name__}: {exc}")
        except BaseException:
            self._release_quietly(claim.item.id)
            raise
        self._unwritten = _Outcome(claim=claim, result=result, at=self.clock())
        step = self._write_outcome()
        step.recovered, step.skipped = recovered, skipped
        return step

    def _write_outcome(self) -> Step:
        outcome = self._unwritten
        assert outcome is not None
        item_id = outcome.claim.item.id
        try:
            step = self._record(outcome)
        except BaseException as exc:
            if is_outage(exc):
                # Keep the outcome and the claim's lock: `run` writes it first once the database is back.
                outcome.retried = True
                raise
            self._unwritten = None
            self._release_quietly(item_id)
            raise
        self._unwritten = None
        if not self.is_postgres:  # PostgreSQL unlocks inside the outcome transaction
            self.locks.release(item_id)
        return step

    def _release_quietly(self, item_id: uuid.UUID) -> None:
        # On a lost connection the PostgreSQL lock is already gone, and the first error is the one to report.
        with contextlib.suppress(SQLAlchemyError):
            self.locks.release(item_id)

    def _claim(self, skipped: list[QueueItemRead]) -> _Claim | Step:
        held: uuid.UUID | None = None
        try:
            with self._transaction() as session:
                now = self.clock()
                facts = load_facts(session, self.policy, now=now)
                if self.is_postgres and not self._cannot_bind(facts):
                    # Serialise the pacing decision, then read the facts again under the lock.
                    session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PACING_LOCK_KEY})
                    facts = load_facts(session, self.policy, now=now)
                nxt = next_send(self.policy, facts, now=now, rng=self.rng)
                if nxt.at > now:
                    return self._idle(session, now, nxt.at, nxt.reasons)
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
                    if not self.locks.hold(item.id):
                        break
                    held = item.id
                    return self._mark_sending(session, item, now)
                return self._idle(session, now, nxt.at, nxt.reasons)
        except BaseException:
            if held is not None:
                self._release_quietly(held)
            raise

    def _giving_up(self, exc: BaseException, down_for: float) -> str:
        message = f"database unavailable for {down_for:.0f}s, giving up: {describe(exc)}"
        if self._unwritten is not None:
            row = self._unwritten.claim.item.id.hex[:8]
            message += f" (row {row} was sent but its outcome is unrecorded: it will be failed as {INTERRUPTED!r})"
        return message

    def _cannot_bind(self, facts: PacingFacts) -> bool:
        """True when concurrent claims cannot break any pacing rule, so PostgreSQL claims need no global lock.

        That is: no gap and no cooldown to keep, and both caps far from reached (by more than any number
        of workers could claim at once). Then `FOR UPDATE SKIP LOCKED` alone makes claims exclusive.
        """
        return (
            self.policy.max_gap <= timedelta(0)
            and self.policy.cooldown <= timedelta(0)
            and facts.sent_last_hour + LOCK_FREE_HEADROOM <= self.policy.hourly_cap
            and facts.sent_today + LOCK_FREE_HEADROOM <= self.policy.daily_cap
        )

    def _due(self) -> Select[OutreachItem, Contact]:
        # Built once per worker with bind parameters: it runs on every claim.
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
        if self.policy.cooldown > timedelta(0):
            other = aliased(OutreachItem)
            query = query.where(
                ~exists().where(
                    OutreachAttempt.queue_id == other.id,
                    other.contact_id == OutreachItem.contact_id,
                    counted_attempt(),
                    OutreachAttempt.claimed_at > since,
                ),
                ~exists().where(
                    Message.contact_id == OutreachItem.contact_id,
                    Message.is_outbound.is_(True),
                    Message.sent_by_automation.is_(True),
                    Message.sent_at > since,
                ),
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

    def _mark_sending(self, session: Session, item: OutreachItem, now: datetime) -> _Claim:
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
        return _Claim(item=item, attempt_id=attempt_id, message=message)

    def _idle(self, session: Session, now: datetime, allowed: datetime, reasons: tuple[str, ...]) -> Step:
        waiting = session.execute(
            select(OutreachItem.contact_id, OutreachItem.scheduled_at)
            .where(OutreachItem.status.in_(OPEN_STATUSES))
            .order_by(func.coalesce(OutreachItem.scheduled_at, OutreachItem.created_at))
            .limit(500)
        ).all()
        wake: datetime | None = None
        if waiting:
            cooling = cooldown_until(session, self.policy, [c for c, _ in waiting if c is not None], now=now)
            wake = min(
                max(allowed, when or now, cooling.get(contact, now) if contact else now) for contact, when in waiting
            )
            wake = self.policy.next_active(wake)
        return Step(kind="idle", next_allowed_send=allowed, reasons=reasons, wake_at=wake)

    def _record(self, written: _Outcome) -> Step:
        claim, result, now = written.claim, written.result, written.at
        with self._transaction() as session:
            item_id = claim.item.id
            if written.retried:
                landed = self._landed(session, written)
                if landed is not None:
                    return landed
            values: dict[str, object]
            if result.kind == "sent":
                outcome, values = "sent", {"status": "sent", "sent_at": now, "error": None}
            elif result.kind == "retry" and self._deferrals(session, item_id) + 1 < MAX_DEFERRALS:
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
            if result.kind == "sent" and self.sender.delivers and claim.item.contact_id is not None:
                record_sent_message(
                    session,
                    contact_id=claim.item.contact_id,
                    text=claim.item.message_text,
                    sent_at=now,
                    queue_id=item_id,
                    sender=self.sender.name,
                    external_id=result.external_id,
                )
            if self.is_postgres:
                # Losing this commit in a database crash is safe (the row would end "interrupted", never
                # re-sent), so it need not wait for the disk; the claim's commit does.
                session.execute(text("SET LOCAL synchronous_commit = off"))
                # Safe before the commit: the row stays locked by this transaction's UPDATE until then.
                session.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key(item_id)})
        # The next allowed send is worked out by the next claim; the row as recorded needs no re-read.
        row = QueueItemRead.of(claim.item).model_copy(update=values)
        kind: StepKind = "retry" if outcome == "deferred" else outcome  # type: ignore[assignment]
        return Step(kind=kind, item=row, error=result.error)

    def _landed(self, session: Session, written: _Outcome) -> Step | None:
        """The step as already recorded, when the write an outage interrupted had committed after all."""
        item_id = written.claim.item.id
        outcome = session.scalar(select(OutreachAttempt.outcome).where(OutreachAttempt.id == written.claim.attempt_id))
        item = session.get(OutreachItem, item_id)
        if outcome not in ("sent", "deferred", "failed") or item is None:
            return None  # not written (or failed as interrupted by a recovering worker): write it now
        if self.is_postgres:
            session.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key(item_id)})
        kind: StepKind = "retry" if outcome == "deferred" else outcome  # type: ignore[assignment]
        return Step(kind=kind, item=QueueItemRead.of(item), error=written.result.error)

    def _deferrals(self, session: Session, item_id: uuid.UUID) -> int:
        return (
            session.scalar(
                select(func.count())
                .select_from(OutreachAttempt)
                .where(OutreachAttempt.queue_id == item_id, OutreachAttempt.outcome == "deferred")
            )
            or 0
        )

    # -- the loop ------------------------------------------------------------------------------------------

    def run(
        self,
        *,
        once: bool = False,
        drain: bool = False,
        on_step: Callable[[Step], None] = lambda _step: None,
        sleep: Callable[[float], object] = time.sleep,
        max_sleep: float = 30.0,
        should_stop: Callable[[], bool] = lambda: False,
        on_outage: Callable[[Outage], None] = lambda _outage: None,
        give_up_after: float | None = None,
    ) -> None:
        """Step until stopped: `once` does one step; `drain` stops when nothing can be sent right now.

        A database outage is reported through `on_outage`, waited out with capped exponential backoff
        and resumed from; with `give_up_after` seconds, a longer outage raises DatabaseError instead.
        """
        backoff = Backoff()
        down_since: float | None = None
        waited = 0.0
        while not should_stop():
            try:
                if down_since is not None:
                    self.reconnect()
                step = self.step()
            except Exception as exc:
                if not is_outage(exc):
                    raise
                now = time.monotonic()
                down_since = now if down_since is None else down_since
                # The waits alone count too: a caller's `sleep` may not take real time.
                down_for = max(now - down_since, waited)
                delay = backoff.next_delay()
                if give_up_after is not None:
                    if down_for >= give_up_after:
                        raise DatabaseError(self._giving_up(exc, down_for)) from exc
                    delay = min(delay, give_up_after - down_for)
                on_outage(Outage(error=describe(exc), down_for=down_for, retry_in=delay))
                sleep(delay)
                waited += delay
                continue
            if down_since is not None:
                on_outage(Outage(error="", down_for=max(time.monotonic() - down_since, waited)))
                down_since, waited = None, 0.0
                backoff.reset()
            on_step(step)
            if once or (drain and step.kind == "idle"):
                return
            if step.kind == "idle":
                # New rows may arrive at any time, so never sleep longer than max_sleep.
                target = step.wake_at or step.next_allowed_send or self.clock()
                sleep(min(max((target - self.clock()).total_seconds(), 1.0), max_sleep))
