"""How many contacts stood in each stage at the end of each of the last weeks, from the stage history.

Today's counts are the contacts' stages now; each earlier week counts the contacts created by its end, at
their stage now with the stage changes made after it undone (to_stage loses one, from_stage gains one). All
three are read from the stored counts (counts.py: 'stage', 'born' per creation day, 'moved' per change day
and creation day), so the cost depends on neither the number of contacts nor the length of the history.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from pydantic import BaseModel
from sqlalchemy.orm import Session

from everreach.relationship import clock, counts
from everreach.relationship.rules.stages import STAGES

WEEKS = 12


class StageWeek(BaseModel):
    """Contacts per stage at one instant (the end of a week)."""

    at: datetime
    counts: dict[str, int]

    @property
    def total(self) -> int:
        """Contacts counted that week."""
        return sum(self.counts.values())


def stage_weeks(session: Session, *, weeks: int = WEEKS, now: datetime | None = None) -> list[StageWeek]:
    """Contacts per stage at `now` and at the end (UTC) of the same weekday in each of the `weeks - 1` weeks
    before, oldest first."""
    now = now or clock.utcnow()
    tomorrow = datetime.combine(now.astimezone(UTC).date() + timedelta(days=1), time(), UTC)
    ends = [tomorrow - timedelta(days=7 * k) for k in range(1, weeks)]  # newest first
    stored = counts.read(session, since=ends[-1].date() if ends else None)
    current = dict.fromkeys(STAGES, 0)
    for stage, n in stored.by_key("stage").items():
        current[_known(stage)] += n
    born = [(_parts(key, 2), n) for key, n in stored.by_key("born").items()]
    moved = [(_parts(key, 4), n) for key, n in stored.by_key("moved").items()]
    out = [StageWeek(at=now, counts=current)]
    for end in ends:
        after = end.date().isoformat()  # the first day after this week's end
        week = dict(current)
        for (day, stage), n in born:  # created after the end: not there yet
            if day >= after:
                week[_known(stage)] -= n
        for (day, created, old, new), n in moved:  # a later change of a contact that was there: undone
            if day >= after and created < after:
                if new in week:
                    week[new] -= n
                if (old or "first_touch") in week:
                    week[old or "first_touch"] += n
        out.append(StageWeek(at=end - timedelta(microseconds=1), counts={s: max(0, c) for s, c in week.items()}))
    return list(reversed(out))


def _parts(key: str, count: int) -> tuple[str, ...]:
    """A stored key split at its '|'s into `count` parts."""
    parts = key.split("|", count - 1)
    return (*parts, *[""] * (count - len(parts)))


def _known(stage: str) -> str:
    """A stored stage as the chart counts it: an empty or unknown one as the first stage."""
    return stage if stage in STAGES else "first_touch"
