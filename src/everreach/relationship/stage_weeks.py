"""How many contacts stood in each stage at the end of each of the last weeks, from the stage history.

Today's counts come from the contacts; each earlier week is found by undoing the stage changes made after it
(to_stage loses one, from_stage gains one) and leaving out contacts created after it. Both are read in one
grouped pass each (rows counted per week), so the cost does not grow with the number of weeks.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from everreach.db.models import STAGES, Contact, StageChange
from everreach.relationship import clock

WEEKS = 12


class StageWeek(BaseModel):
    """Contacts per stage at one instant (the end of a week)."""

    at: datetime
    counts: dict[str, int]

    @property
    def total(self) -> int:
        """Contacts counted that week."""
        return sum(self.counts.values())


def _bucket(column: Any, instants: list[datetime]) -> Any:
    """The index of the first instant (newest first) that `column` is after: which week a row falls in."""
    return case(*((column > t, k) for k, t in enumerate(instants)), else_=len(instants))


def stage_weeks(session: Session, *, weeks: int = WEEKS, now: datetime | None = None) -> list[StageWeek]:
    """Contacts per stage at `now` and at each of the `weeks - 1` week ends before it, oldest first."""
    now = now or clock.utcnow()
    instants = [now - timedelta(days=7 * k) for k in range(1, weeks)]
    current = dict.fromkeys(STAGES, 0)
    for stage, n in session.execute(
        select(Contact.relationship_stage, func.count()).group_by(Contact.relationship_stage)
    ):
        key = stage if stage in current else "first_touch"
        current[key] += int(n)
    if not instants:
        return [StageWeek(at=now, counts=current)]
    oldest = instants[-1]
    # Rows per (from, to, week) and contacts created per week, in one grouped pass each; a row after
    # instant k is also after every older instant, so the per-week counts are summed up in Python.
    week = _bucket(StageChange.changed_at, instants)
    moved: dict[tuple[str, str], list[int]] = {}
    for old, new, k, n in session.execute(
        select(StageChange.from_stage, StageChange.to_stage, week, func.count())
        .where(StageChange.changed_at > oldest)
        .group_by(StageChange.from_stage, StageChange.to_stage, week)
    ):
        moved.setdefault((old or "first_touch", new), [0] * len(instants))[int(k)] += int(n)
    # A contact created after a week is left out at the stage it started in: the first change's from_stage,
    # or its stage now when it never changed.
    first_from = (
        select(StageChange.from_stage)
        .where(StageChange.contact_id == Contact.id)
        .order_by(StageChange.changed_at)
        .limit(1)
        .scalar_subquery()
    )
    started = func.coalesce(first_from, Contact.relationship_stage, "first_touch")
    created_week = _bucket(Contact.created_at, instants)
    created: dict[str, list[int]] = {}
    for stage, k, n in session.execute(
        select(started, created_week, func.count()).where(Contact.created_at > oldest).group_by(started, created_week)
    ):
        created.setdefault(stage if stage in current else "first_touch", [0] * len(instants))[int(k)] += int(n)
    out = [StageWeek(at=now, counts=current)]
    for k in range(len(instants)):
        counts = dict(current)
        for (old, new), per_week in moved.items():
            n = sum(per_week[: k + 1])
            if n:
                if new in counts:
                    counts[new] -= n
                if old in counts:
                    counts[old] += n
        for stage, per_week in created.items():
            counts[stage] -= sum(per_week[: k + 1])
        out.append(StageWeek(at=instants[k], counts={s: max(0, c) for s, c in counts.items()}))
    return list(reversed(out))
