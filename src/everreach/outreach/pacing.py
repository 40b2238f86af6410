"""Human pacing (DESIGN.md §4): hourly and daily caps, active hours, a random gap, a per-contact cooldown.

Every rule reads the clock it is given, so tests move time by hand. Sends are counted from
`outreach_attempts` (claims in flight, sent, and interrupted ones, whose delivery is unknown): the pacing
is shared by every worker on the database.

The random gap after an attempt is drawn from an RNG seeded by that attempt's (random) id, so every
worker and `queue list` agree on it without storing it; tests inject their own draw.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from everreach.config import Settings
from everreach.db.models import Message, OutreachAttempt, OutreachItem
from everreach.db.types import UTCDateTime
from everreach.errors import ConfigError

#: Attempt outcomes that used up pacing: NULL (claimed, in flight), sent, interrupted (maybe sent).
COUNTED_OUTCOMES = ("sent", "interrupted")
HOUR = timedelta(hours=1)

#: Draws the gap fraction (0..1) that follows an attempt; the default is seeded by the attempt id.
GapRandom = Callable[[uuid.UUID], float]


def seeded_gap_random(attempt_id: uuid.UUID) -> float:
    """A uniform fraction in [0, 1) that is the same for one attempt in every process."""
    return random.Random(attempt_id.int).random()


def counted_attempt() -> ColumnElement[bool]:
    """SQL: the attempt counts toward caps and cooldowns."""
    return or_(OutreachAttempt.outcome.is_(None), OutreachAttempt.outcome.in_(COUNTED_OUTCOMES))


def cooling_attempt(since: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    """SQL: an attempt claimed after `since` that keeps its contact in the cooldown."""
    return and_(counted_attempt(), OutreachAttempt.claimed_at > since)


def cooling_message(since: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    """SQL: an automated message sent after `since` that keeps its contact in the cooldown."""
    return and_(Message.is_outbound.is_(True), Message.sent_by_automation.is_(True), Message.sent_at > since)


def _parse_clock(value: str, name: str) -> time:
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"EVERREACH_{name.upper()} must be HH:MM, not {value!r}") from None


@dataclass(frozen=True)
class PacingPolicy:
    """The pacing settings, parsed."""

    hourly_cap: int = 10
    daily_cap: int = 30
    active_start: time = time(9)
    active_end: time = time(21)
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    min_gap: timedelta = timedelta(seconds=60)
    max_gap: timedelta = timedelta(seconds=300)
    cooldown: timedelta = timedelta(hours=24)

    @classmethod
    def from_settings(cls, settings: Settings) -> PacingPolicy:
        """Read and check the EVERREACH_* pacing fields."""
        try:
            tz = ZoneInfo(settings.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"unknown time zone {settings.timezone!r} (EVERREACH_TIMEZONE)") from None
        if settings.hourly_cap < 1 or settings.daily_cap < 1:
            raise ConfigError("EVERREACH_HOURLY_CAP and EVERREACH_DAILY_CAP must be at least 1")
        if not 0 <= settings.min_gap_seconds <= settings.max_gap_seconds:
            raise ConfigError("need 0 <= EVERREACH_MIN_GAP_SECONDS <= EVERREACH_MAX_GAP_SECONDS")
        if settings.contact_cooldown_hours < 0:
            raise ConfigError("EVERREACH_CONTACT_COOLDOWN_HOURS cannot be negative")
        return cls(
            hourly_cap=settings.hourly_cap,
            daily_cap=settings.daily_cap,
            active_start=_parse_clock(settings.active_hours_start, "active_hours_start"),
            active_end=_parse_clock(settings.active_hours_end, "active_hours_end"),
            tz=tz,
            min_gap=timedelta(seconds=settings.min_gap_seconds),
            max_gap=timedelta(seconds=settings.max_gap_seconds),
            cooldown=timedelta(hours=settings.contact_cooldown_hours),
        )

    @property
    def active_hours(self) -> str:
        """The window as text, e.g. '09:00-21:00 Europe/Paris'."""
        return f"{self.active_start:%H:%M}-{self.active_end:%H:%M} {self.tz.key}"

    def gap_after(self, attempt_id: uuid.UUID, rng: GapRandom) -> timedelta:
        """The random pause that follows an attempt, between the minimum and maximum gap."""
        fraction = min(max(rng(attempt_id), 0.0), 1.0)
        return self.min_gap + (self.max_gap - self.min_gap) * fraction

    def _local(self, day: datetime, at: time) -> datetime:
        return datetime.combine(day.date(), at, tzinfo=self.tz).astimezone(UTC)

    def day_start(self, when: datetime) -> datetime:
        """Midnight (local time) of the local day containing `when`, in UTC."""
        return self._local(when.astimezone(self.tz), time(0))

    def next_day_start(self, when: datetime) -> datetime:
        """Midnight (local time) of the local day after `when`, in UTC."""
        return self._local(when.astimezone(self.tz) + timedelta(days=1), time(0))

    def next_active(self, when: datetime) -> datetime:
        """`when` if it is inside the active hours, else the next start of the active hours."""
        start, end = self.active_start, self.active_end
        if start == end:
            return when
        local = when.astimezone(self.tz)
        now_t = local.time().replace(tzinfo=None)
        if start < end:
            if now_t < start:
                return self._local(local, start)
            if now_t >= end:
                return self._local(local + timedelta(days=1), start)
            return when
        # Overnight window (e.g. 20:00-02:00): inactive only between end and start.
        if end <= now_t < start:
            return self._local(local, start)
        return when


@dataclass(frozen=True)
class PacingFacts:
    """What the database says about recent attempts, relative to one `now`."""

    last_attempt_id: uuid.UUID | None = None
    last_attempt_at: datetime | None = None
    #: The hourly_cap-th most recent counted attempt of the last hour (None while under the cap).
    hourly_nth_at: datetime | None = None
    #: The daily_cap-th most recent counted attempt of today (None while under the cap).
    daily_nth_at: datetime | None = None
    sent_last_hour: int = 0
    sent_today: int = 0


@dataclass(frozen=True)
class NextSend:
    """The earliest time the pacing allows an automated send, and the rules that pushed it there."""

    at: datetime
    reasons: tuple[str, ...]


def _facts_statement() -> Select[Any]:
    # Built once: the worker runs it on every claim, and building a statement costs more than running it.
    attempt = OutreachAttempt
    hour_ago = bindparam("hour_ago", type_=UTCDateTime())
    today = bindparam("today", type_=UTCDateTime())
    latest = select(attempt.id, attempt.claimed_at).order_by(attempt.claimed_at.desc()).limit(1).subquery()
    recent = select(attempt.claimed_at).where(counted_attempt()).order_by(attempt.claimed_at.desc()).limit(1)
    counts = select(func.count()).select_from(attempt).where(counted_attempt())
    return select(
        select(latest.c.id).scalar_subquery(),
        select(latest.c.claimed_at).scalar_subquery(),
        recent.where(attempt.claimed_at > hour_ago).offset(bindparam("hourly_offset")).scalar_subquery(),
        recent.where(attempt.claimed_at >= today).offset(bindparam("daily_offset")).scalar_subquery(),
        counts.where(attempt.claimed_at > hour_ago).scalar_subquery(),
        counts.where(attempt.claimed_at >= today).scalar_subquery(),
    )


_FACTS: list[Select[Any]] = []


def load_facts(session: Session, policy: PacingPolicy, *, now: datetime) -> PacingFacts:
    """Read the recent attempts the pacing rules need, in one round trip (it runs on every claim)."""
    if not _FACTS:
        _FACTS.append(_facts_statement())
    row = session.execute(
        _FACTS[0],
        {
            "hour_ago": now - HOUR,
            "today": policy.day_start(now),
            "hourly_offset": policy.hourly_cap - 1,
            "daily_offset": policy.daily_cap - 1,
        },
    ).one()
    return PacingFacts(
        last_attempt_id=row[0],
        last_attempt_at=row[1],
        hourly_nth_at=row[2],
        daily_nth_at=row[3],
        sent_last_hour=row[4] or 0,
        sent_today=row[5] or 0,
    )


def next_send(policy: PacingPolicy, facts: PacingFacts, *, now: datetime, rng: GapRandom) -> NextSend:
    """Apply every global rule until none moves the time any further."""
    when, reasons = now, []
    for _ in range(8):
        before = when
        if facts.last_attempt_id is not None and facts.last_attempt_at is not None:
            gap_end = facts.last_attempt_at + policy.gap_after(facts.last_attempt_id, rng)
            if gap_end > when:
                when = gap_end
                reasons.append("random gap after the last send")
        if facts.hourly_nth_at is not None and facts.hourly_nth_at + HOUR > when:
            when = facts.hourly_nth_at + HOUR
            reasons.append(f"hourly cap of {policy.hourly_cap} reached")
        if facts.daily_nth_at is not None and facts.daily_nth_at >= policy.day_start(when):
            when = policy.next_day_start(when)
            reasons.append(f"daily cap of {policy.daily_cap} reached")
        active = policy.next_active(when)
        if active > when:
            when = active
            reasons.append(f"outside active hours {policy.active_hours}")
        if when == before:
            break
    return NextSend(at=when, reasons=tuple(dict.fromkeys(reasons)))


def cooldown_until(
    session: Session, policy: PacingPolicy, contact_ids: list[uuid.UUID], *, now: datetime
) -> dict[uuid.UUID, datetime]:
    """For contacts still inside the cooldown after an automated message: when it ends."""
    if not contact_ids or policy.cooldown <= timedelta(0):
        return {}
    since = now - policy.cooldown
    ends: dict[uuid.UUID, datetime] = {}
    claimed = (
        select(OutreachItem.contact_id, func.max(OutreachAttempt.claimed_at))
        .join(OutreachItem, OutreachItem.id == OutreachAttempt.queue_id)
        .where(OutreachItem.contact_id.in_(contact_ids), cooling_attempt(since))
        .group_by(OutreachItem.contact_id)
    )
    automated = (
        select(Message.contact_id, func.max(Message.sent_at))
        .where(Message.contact_id.in_(contact_ids), cooling_message(since))
        .group_by(Message.contact_id)
    )
    for query in (claimed, automated):
        for contact_id, last in session.execute(query):
            if contact_id is not None and last is not None:
                end = last + policy.cooldown
                ends[contact_id] = max(end, ends.get(contact_id, end))
    return ends


def next_attempt_at(
    policy: PacingPolicy,
    *,
    allowed: datetime,
    scheduled_at: datetime | None,
    cooling_end: datetime | None,
    now: datetime,
) -> datetime:
    """When one waiting row may go: after the global rules (`allowed`), its schedule and its contact's cooldown."""
    return policy.next_active(max(allowed, scheduled_at or now, cooling_end or now))
