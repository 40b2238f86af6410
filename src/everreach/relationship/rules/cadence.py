"""Cadence (DESIGN.md §3 v2): the usual gap between touches, going cold, the next planned touch, and the order
of the attention list.

A *touch* is a UTC day with at least one meaningful message (either way; automated sends never count), so a
burst of messages in one conversation is one touch. With >= 4 touches the usual gap is the median of the days
between consecutive touches. A contact is going cold once the silence since the last touch passes twice the
usual gap, and never before 7 days. next_planned_touch = last touch + the user's keep-in-touch interval when
set, else + the usual gap; without either there is no plan. Attention lists the overdue first (most days
overdue first), then the rest by their next planned touch, each with its reason.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from everreach.relationship.rules.inputs import MessageFacts
from everreach.relationship.rules.numbers import days_between, short_date

MIN_TOUCHES = 4
COLD_FACTOR = 2.0
MIN_COLD_DAYS = 7.0


@dataclass(frozen=True, slots=True)
class Cadence:
    """A contact's rhythm at `now`."""

    touches: int
    last_touch: datetime | None
    usual_gap_days: float | None
    silence_days: float | None
    going_cold: bool
    next_planned_touch: datetime | None
    overdue_days: float  # 0 when not overdue
    reason: str


@dataclass(frozen=True, slots=True)
class AttentionItem:
    """One line of the attention list."""

    key: str  # the contact (a username or id)
    cadence: Cadence


def touch_days(messages: Sequence[MessageFacts], *, now: datetime) -> list[date]:
    """The distinct UTC days with a meaningful touch up to `now`, oldest first."""
    return sorted({m.sent_at.date() for m in messages if m.touch and m.sent_at <= now})


def usual_gap(days: Sequence[date]) -> float | None:
    """Median days between consecutive touch days, with at least 4 touches; else None."""
    if len(days) < MIN_TOUCHES:
        return None
    return float(statistics.median((b - a).days for a, b in itertools.pairwise(days)))


def cold_threshold(gap: float) -> float:
    """Days of silence after which a contact with this usual gap is going cold."""
    return max(MIN_COLD_DAYS, COLD_FACTOR * gap)


def cadence(messages: Sequence[MessageFacts], *, now: datetime, keep_in_touch_days: float | None = None) -> Cadence:
    """Usual gap, going cold and the next planned touch of one contact."""
    days = touch_days(messages, now=now)
    last = max((m.sent_at for m in messages if m.touch and m.sent_at <= now), default=None)
    gap = usual_gap(days)
    if last is None:
        return Cadence(0, None, None, None, False, None, 0.0, "no meaningful touch yet")
    silence = days_between(last, now)
    cold = gap is not None and silence > cold_threshold(gap)
    interval = keep_in_touch_days if keep_in_touch_days else gap
    planned = last + timedelta(days=interval) if interval else None
    overdue = max(0.0, days_between(planned, now)) if planned else 0.0
    parts = [f"last touch {short_date(last)} ({silence:.0f} days ago)"]
    if gap is not None:
        parts.append(f"usually every {gap:g} days over {len(days)} touches")
    if keep_in_touch_days:
        parts.append(f"you asked to keep in touch every {keep_in_touch_days:g} days")
    if cold and gap is not None:
        parts.append(f"going cold: silent for more than {cold_threshold(gap):g} days")
    if overdue > 0:
        parts.append(f"overdue by {overdue:.0f} days")
    elif planned is not None:
        parts.append(f"next touch planned {short_date(planned)}")
    return Cadence(len(days), last, gap, silence, cold, planned, overdue, "; ".join(parts))


def attention_order(items: Sequence[AttentionItem]) -> list[AttentionItem]:
    """Overdue first (most days overdue first), then the planned ones by date, then those without a plan."""

    def key(item: AttentionItem) -> tuple[int, float, float, str]:
        """Group (overdue, planned, no plan), days overdue, planned time, then the contact key."""
        c = item.cadence
        planned = c.next_planned_touch.timestamp() if c.next_planned_touch else math.inf
        if c.overdue_days > 0:
            return (0, -c.overdue_days, planned, item.key)
        return (1 if c.next_planned_touch else 2, 0.0, planned, item.key)

    return sorted(items, key=key)
