"""The pacing glue of a claim: the decision every worker shares, and when an idle worker should look again.

The rules themselves are in pacing.py. Here: PostgreSQL claims take one transaction lock so that
concurrent workers see each other's sends before deciding, unless no rule could be broken.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from everreach.db.models import OutreachItem
from everreach.outreach.pacing import (
    GapRandom,
    NextSend,
    PacingFacts,
    PacingPolicy,
    cooldown_until,
    load_facts,
    next_attempt_at,
    next_send,
)
from everreach.outreach.queue import OPEN_STATUSES
from everreach.outreach.worker.step import Step

#: Serialises claims on PostgreSQL (any constant works; this one spells "everreach" loosely).
PACING_LOCK_KEY = 0x0E7E_4EAC_0000_0001
#: Claims skip the global pacing lock only while both caps are this far from being reached.
LOCK_FREE_HEADROOM = 1000
#: Waiting rows looked at to find when an idle worker should wake.
WAKE_ROWS = 500

_PACING_LOCK = text("SELECT pg_advisory_xact_lock(:k)")


def cannot_bind(policy: PacingPolicy, facts: PacingFacts) -> bool:
    """True when concurrent claims cannot break any pacing rule, so PostgreSQL claims need no global lock.

    That is: no gap and no cooldown to keep, and both caps far from reached (by more than any number
    of workers could claim at once). Then `FOR UPDATE SKIP LOCKED` alone makes claims exclusive.
    """
    return (
        policy.max_gap <= timedelta(0)
        and policy.cooldown <= timedelta(0)
        and facts.sent_last_hour + LOCK_FREE_HEADROOM <= policy.hourly_cap
        and facts.sent_today + LOCK_FREE_HEADROOM <= policy.daily_cap
    )


def shared_next_send(
    session: Session, policy: PacingPolicy, *, now: datetime, rng: GapRandom, is_postgres: bool
) -> NextSend:
    """The next allowed send, decided under the pacing lock where workers could otherwise race."""
    facts = load_facts(session, policy, now=now)
    if is_postgres and not cannot_bind(policy, facts):
        # Serialise the pacing decision, then read the facts again under the lock.
        session.execute(_PACING_LOCK, {"k": PACING_LOCK_KEY})
        facts = load_facts(session, policy, now=now)
    return next_send(policy, facts, now=now, rng=rng)


def idle_step(
    session: Session, policy: PacingPolicy, *, now: datetime, allowed: datetime, reasons: tuple[str, ...]
) -> Step:
    """A step that sent nothing, waking when the first waiting row may go (pacing, schedule, cooldown)."""
    waiting = session.execute(
        select(OutreachItem.contact_id, OutreachItem.scheduled_at)
        .where(OutreachItem.status.in_(OPEN_STATUSES))
        .order_by(func.coalesce(OutreachItem.scheduled_at, OutreachItem.created_at))
        .limit(WAKE_ROWS)
    ).all()
    wake: datetime | None = None
    if waiting:
        cooling = cooldown_until(session, policy, [c for c, _ in waiting if c is not None], now=now)
        wake = min(
            next_attempt_at(
                policy,
                allowed=allowed,
                scheduled_at=when,
                cooling_end=cooling.get(contact) if contact else None,
                now=now,
            )
            for contact, when in waiting
        )
    return Step(kind="idle", next_allowed_send=allowed, reasons=reasons, wake_at=wake)
