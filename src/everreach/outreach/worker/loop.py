"""The worker: step after step (claim, send, record), and the loop that rides out database outages.

Database outages (outage.py) do not stop `run`: it reports them, reconnects with backoff and resumes. An
outcome that could not be written because the database went away mid-send is kept and written first
after reconnecting; if the worker never gets there, the row ends "interrupted", never sent twice.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine

from everreach.config import Settings, get_settings
from everreach.errors import DatabaseError
from everreach.outreach.claims import INTERRUPTED, recover_interrupted
from everreach.outreach.outage import Backoff, Outage, describe, is_outage
from everreach.outreach.pacing import GapRandom, PacingPolicy, seeded_gap_random
from everreach.outreach.queue import utcnow
from everreach.outreach.schemas import QueueItemRead
from everreach.outreach.senders import Sender, SendResult
from everreach.outreach.worker.claim import Claimer
from everreach.outreach.worker.connection import WorkerConnection
from everreach.outreach.worker.outcomes import record_outcome
from everreach.outreach.worker.step import Outcome, Step

#: Dead claims are looked for at the first step, after idle steps, and at least this often.
RECOVER_EVERY_SECONDS = 10.0


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
        self.sender = sender
        self.policy = PacingPolicy.from_settings(settings or get_settings())
        self.clock = clock
        self.worker_id = worker_id or make_worker_id()
        self._claimer = Claimer(policy=self.policy, sender=sender, worker_id=self.worker_id, rng=rng)
        self._recover_next = True
        self._recovered_at = 0.0
        self._unwritten: Outcome | None = None
        self.db = WorkerConnection(engine)

    def reconnect(self) -> None:
        """After an outage: drop the connection and the pool, connect again, and retake a held claim."""
        held = self._unwritten.claim.item.id if self._unwritten is not None else None
        self.db.reconnect(holding=held)
        self._recover_next = True

    def close(self) -> None:
        """Close the connection and the sender."""
        if self._unwritten is not None:
            # Given up on: the next worker's recovery fails the row as interrupted (never re-sent).
            self.db.release_quietly(self._unwritten.claim.item.id)
        self.db.close()
        self.sender.close()

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- one step ------------------------------------------------------------------------------------------

    def recover(self) -> list[uuid.UUID]:
        """Fail the `sending` rows whose worker died (see claims.py)."""
        dead: list[uuid.UUID] = []
        try:
            with self.db.transaction() as session:
                dead = recover_interrupted(session, self.db.locks, now=self.clock())
        finally:
            for item_id in dead:
                self.db.locks.after_probe(item_id)
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
        claim_or_idle = self._claimer.claim(self.db, clock=self.clock, skipped=skipped)
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
            self.db.release_quietly(claim.item.id)
            raise
        self._unwritten = Outcome(claim=claim, result=result, at=self.clock())
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
            self.db.release_quietly(item_id)
            raise
        self._unwritten = None
        if not self.db.is_postgres:  # PostgreSQL unlocks inside the outcome transaction
            self.db.locks.release(item_id)
        return step

    def _record(self, written: Outcome) -> Step:
        # One seam for the outcome write (tests make it fail as an outage would).
        return record_outcome(self.db, written, sender=self.sender)

    def _giving_up(self, exc: BaseException, down_for: float) -> str:
        message = f"database unavailable for {down_for:.0f}s, giving up: {describe(exc)}"
        if self._unwritten is not None:
            row = self._unwritten.claim.item.id.hex[:8]
            message += f" (row {row} was sent but its outcome is unrecorded: it will be failed as {INTERRUPTED!r})"
        return message

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
