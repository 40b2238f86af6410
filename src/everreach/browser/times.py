"""Separator lines -> time windows. The web inbox shows a time only above each group of messages.

Labels seen on the page (English, early 2026): "12:56 PM" (today), "Yesterday 3:12 PM", "Yesterday",
"Thu 6:14 PM" (this week), "Jan 1, 5:32 PM" (this year), "Jan 1, 2026, 5:32 PM", "8/24/25, 3:36 PM",
"8/24/25", "January 1, 2026". Relative labels are resolved against the sync's clock in the user's time zone.
A label gives the start of its group to the minute (or the day, when it has no time of day). A wall-clock
time the autumn clock change shows twice (1:30 AM, once in summer time and once an hour later) has two
readings: the label's span then covers both, and `resolve_repeated` picks one when the labels around it
show which (a group's start is never before the older group's, nor after the newer group's).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}  # fmt: skip
_DAYS = {d: i for i, d in enumerate(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])}
_TIME = re.compile(r"(?:^|[\s,]+(?:at\s+)?)(\d{1,2}):(\d{2})\s*([AaPp][Mm])?$")
_NUMERIC = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$")
_MONTH_DAY = re.compile(r"^([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:,?\s+(\d{4}))?$")
_WEEKDAY = re.compile(r"^([A-Za-z]{3,9})\.?$")

MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Label:
    """A parsed separator: the instant its group starts (UTC) and how precise the label is."""

    start: datetime
    precision: timedelta
    text: str
    #: The later of two readings of a wall-clock time shown twice (the autumn clock change), else None.
    later: datetime | None = None

    @property
    def end(self) -> datetime:
        """The end of the label's own precision (a minute or a day after its start)."""
        return self.start + self.precision


def parse_label(text: str, *, now: datetime, tz: str) -> Label | None:
    """The label's start and precision, or None when the line is not a time label."""
    zone = ZoneInfo(tz)
    local_now = now.astimezone(zone)
    raw = " ".join(text.split())
    if not raw or len(raw) > 40:
        return None
    clock: time | None = None
    rest = raw
    found = _TIME.search(raw)
    if found:
        hour, minute, half = int(found.group(1)), int(found.group(2)), found.group(3)
        if half:
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if half.lower() == "pm" else 0)
        if hour > 23 or minute > 59:
            return None
        clock = time(hour, minute)
        rest = raw[: found.start()].strip().rstrip(",").strip()
    day = _day(rest, local_now.date())
    if day is None:
        return None
    if clock is None:  # the whole local day, 23 or 25 hours long on a clock-change day
        start = datetime.combine(day, time(0, 0), tzinfo=zone).astimezone(UTC)
        return Label(start, datetime.combine(day + DAY, time(0, 0), tzinfo=zone).astimezone(UTC) - start, raw)
    first = datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)
    second = datetime.combine(day, clock, tzinfo=zone).replace(fold=1).astimezone(UTC)
    if second > first:  # shown twice: the label may mean either
        return Label(first, second - first + MINUTE, raw, later=second)
    return Label(min(first, second), MINUTE, raw)


def resolve_repeated(labels: list[Label | None]) -> list[Label | None]:
    """Labels oldest first, each repeated wall-clock time read as the one reading its neighbours allow.

    When the older label's start is after the first reading, it is the second; when the newer label's start
    is before the second reading, it is the first; otherwise the label keeps the span of both.
    """
    out = list(labels)
    for i, label in enumerate(out):
        if label is None or label.later is None:
            continue
        older = next((lb for lb in reversed(out[:i]) if lb is not None), None)
        newer = next((lb for lb in out[i + 1 :] if lb is not None), None)
        if older is not None and older.start > label.start:
            out[i] = Label(label.later, MINUTE, label.text)
        elif newer is not None and (newer.later or newer.start) < label.later:
            out[i] = Label(label.start, MINUTE, label.text)
    return out


def _day(rest: str, today: date) -> date | None:
    lowered = rest.lower()
    if lowered in ("", "today"):
        return today
    if lowered == "yesterday":
        return today - DAY
    numeric = _NUMERIC.match(rest)
    if numeric:
        month, day_n, year = int(numeric.group(1)), int(numeric.group(2)), int(numeric.group(3))
        year = year + 2000 if year < 100 else year
        return _safe_date(year, month, day_n)
    month_day = _MONTH_DAY.match(rest)
    if month_day:
        named = _MONTHS.get(month_day.group(1)[:3].lower())
        if named is None:
            return None
        month, day_n = named, int(month_day.group(2))
        if month_day.group(3):
            return _safe_date(int(month_day.group(3)), month, day_n)
        guess = _safe_date(today.year, month, day_n)
        # No year: this year, unless that would be in the future.
        if guess is not None and guess > today:
            guess = _safe_date(today.year - 1, month, day_n)
        return guess
    weekday = _WEEKDAY.match(rest)
    if weekday:
        wd = _DAYS.get(weekday.group(1)[:3].lower())
        if wd is None:
            return None
        back = (today.weekday() - wd) % 7 or 7  # today's messages carry a bare time, so a weekday is 1-7 days ago
        return today - timedelta(days=back)
    return None


def _safe_date(year: int, month: int, day_n: int) -> date | None:
    try:
        return date(year, month, day_n)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Window:
    """The span a message's real time lies in: from its group's label to the next group's label."""

    start: datetime
    end: datetime
    label: str | None


def group_windows(labels: list[Label | None], *, now: datetime) -> list[Window]:
    """Windows for groups ordered oldest first; a group without a label ends where the next one starts."""
    windows: list[Window] = []
    for i, label in enumerate(labels):
        newer = next((lb for lb in labels[i + 1 :] if lb is not None), None)
        end = newer.end if newer is not None else max(now + MINUTE, label.end if label else now)
        if label is not None:
            windows.append(Window(label.start, max(end, label.end), label.text))
        else:
            older = next((lb for lb in reversed(labels[:i]) if lb is not None), None)
            start = older.start if older is not None else datetime(1970, 1, 1, tzinfo=UTC)
            windows.append(Window(start, end, None))
    return windows
