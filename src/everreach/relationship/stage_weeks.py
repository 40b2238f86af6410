"""How many contacts stood in each stage at the end of each of the last weeks, from the stage history.

Today's counts come from the contacts; each earlier week is found by undoing the stage changes made after it
(to_stage loses one, from_stage gains one) and leaving out contacts created after it. Both are read in one
grouped pass each, with one conditional sum per week, so the cost does not grow with the number of weeks.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from everreach.db.models import STAGES, Contact, StageChange
from everreach.relationship.recompute import utcnow

WEEKS = 12


class StageWeek(BaseModel):
    """Contacts per stage at one instant (the end of a week)."""

    at: datetime
    counts: dict[str, int]

    @property
    def total(self) -> int:
        """Contacts counted that week."""
        return sum(self.counts.values())


def _after(column: Any, instants: list[datetime]) -> list[Any]:
    """One count per instant: the rows whose `column` is after it."""
    return [func.coalesce(func.sum(case((column > t, 1), else_=0)), 0) for t in instants]


def stage_weeks(session: Session, *, weeks: int = WEEKS, now: datetime | None = None) -> list[StageWeek]:
    """Contacts per stage at `now` and at each of the `weeks - 1` week ends before it, oldest first."""
    now = now or utcnow()
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
    changes: Any = session.execute(
        select(StageChange.from_stage, StageChange.to_stage, *_after(StageChange.changed_at, instants))
        .where(StageChange.changed_at > oldest)
        .group_by(StageChange.from_stage, StageChange.to_stage)
    ).all()
    created: Any = session.execute(
        select(*_after(Contact.created_at, instants)).where(Contact.created_at > oldest)
    ).one()
    out = [StageWeek(at=now, counts=current)]
    for k in range(len(instants)):
        counts = dict(current)
        for row in changes:
            n = int(row[2 + k])
            if n:
                old, new = row[0] or "first_touch", row[1]
                if new in counts:
                    counts[new] -= n
                if old in counts:
                    counts[old] += n
        # Contacts created after that week start at the first stage once their changes are undone.
        counts["first_touch"] -= int(created[k])
        out.append(StageWeek(at=instants[k], counts={s: max(0, c) for s, c in counts.items()}))
    return list(reversed(out))
