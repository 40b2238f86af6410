"""Words a person reads in CLI output: names beside handles, relative and calendar dates, plurals, keys as words.

Pure functions with no database or Rich imports, so every command can use them without slowing start-up.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo

_IRREGULAR = {"person": "people", "child": "children"}
_DECIMAL_DAYS = re.compile(r"\b(\d+)\.\d+ days\b")
#: Nouns that generated sentences count; after "1" (perhaps with one word between) they become singular.
_COUNTED = ("entries", "days", "messages", "promises", "replies", "contacts", "matches", "signals", "events",
            "hours", "minutes", "weeks", "rows", "threads", "files", "values", "touches")  # fmt: skip
_ONE_PLURAL = re.compile(rf"\b1 ((?:[a-z]+ )?)({'|'.join(_COUNTED)})\b")


def plural(count: int, word: str, many: str | None = None) -> str:
    """`count word` with the word in the right number: "1 value entry", "2 value entries", "0 contacts"."""
    return f"{count:,} {word if count == 1 else (many or plural_form(word))}"


def plural_form(word: str) -> str:
    """The plural of an English noun (the last word of a phrase): entry -> entries, match -> matches."""
    head, _, last = word.rpartition(" ")
    prefix = f"{head} " if head else ""
    if last in _IRREGULAR:
        return prefix + _IRREGULAR[last]
    if last.endswith("y") and len(last) > 1 and last[-2] not in "aeiou":
        return prefix + last[:-1] + "ies"
    if last.endswith(("s", "x", "z", "ch", "sh")):
        return prefix + last + "es"
    return prefix + last + "s"


def singular_form(word: str) -> str:
    """The singular of a plural made by `plural_form` (entries -> entry, matches -> match, days -> day)."""
    for one, many in _IRREGULAR.items():
        if word == many:
            return one
    if word.endswith("ies") and len(word) > 3:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def tidy_sentence(text: str) -> str:
    """A generated sentence made readable: whole day counts ("1317.3 days" -> "1317 days"), "1 entries" -> "1 entry"."""
    text = _DECIMAL_DAYS.sub(lambda m: f"{m.group(1)} days", text)
    return _ONE_PLURAL.sub(lambda m: f"1 {m.group(1)}{singular_form(m.group(2))}", text)


def person(username: str, display_name: str | None = None) -> str:
    """A contact as a person reads it: "Jane Okafor (@jane.builds)", or "@jane.builds" with no name."""
    handle = f"@{username.lstrip('@')}"
    name = (display_name or "").strip()
    if not name or name.lstrip("@").lower() == username.lstrip("@").lower():
        return handle
    return f"{name} ({handle})"


def words(key: str | None) -> str:
    """An internal key as words: "first_touch" -> "first touch", "asks_opinion" -> "asks opinion"."""
    if not key:
        return "-"
    return key.replace("_", " ").replace("-", " ").strip()


def _aware(when: datetime) -> datetime:
    """Naive datetimes are UTC (how the database stores them)."""
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def calendar_date(when: date | datetime | None, *, tz: tzinfo | None = None) -> str:
    """A date as a person writes it: "12 Mar 2025" ("-" for none); datetimes are shown in `tz` (default UTC)."""
    if when is None:
        return "-"
    if isinstance(when, datetime):
        when = _aware(when).astimezone(tz or UTC).date()
    return f"{when.day} {when:%b %Y}"


def clock_time(when: datetime | None, *, tz: tzinfo | None = None) -> str:
    """Date and time to the minute: "12 Mar 2025, 14:05" ("-" for none), in `tz` (default UTC)."""
    if when is None:
        return "-"
    local = _aware(when).astimezone(tz or UTC)
    return f"{calendar_date(local, tz=local.tzinfo)}, {local:%H:%M}"


def _span(seconds: float) -> str | None:
    """'5 minutes', '3 hours', '4 days' for spans under 30 days; None beyond."""
    minutes = int(seconds // 60)
    if minutes < 60:
        return plural(max(minutes, 1), "minute")
    hours = minutes // 60
    if hours < 24:
        return plural(hours, "hour")
    days = hours // 24
    return plural(days, "day") if days < 30 else None


def ago(when: datetime | None, *, now: datetime | None = None, tz: tzinfo | None = None, never: str = "never") -> str:
    """How long ago (or until): "just now", "5 minutes ago", "yesterday", "3 days ago", "in 2 hours", "12 Mar 2025".

    Beyond 30 days either way the calendar date is clearer than a count, so that is what is shown.
    """
    if when is None:
        return never
    now = _aware(now or datetime.now(UTC))
    delta = (now - _aware(when)).total_seconds()
    if abs(delta) < 60:
        return "just now"
    span = _span(abs(delta))
    if span is None:
        return calendar_date(when, tz=tz)
    if span == "1 day":
        return "yesterday" if delta > 0 else "tomorrow"
    return f"{span} ago" if delta > 0 else f"in {span}"


def days_ago(days: int | None) -> str:
    """A whole number of days as a person says it: "today", "yesterday", "3 days ago", "never"."""
    if days is None:
        return "never"
    if days <= 0:
        return "today"
    return "yesterday" if days == 1 else f"{days:,} days ago"


def since(when: datetime | None, *, now: datetime | None = None, tz: tzinfo | None = None) -> str:
    """A past moment with both forms when it is long ago: "3 days ago", "1317 days ago (12 Mar 2022)"."""
    if when is None:
        return "never"
    now = _aware(now or datetime.now(UTC))
    days = (now - _aware(when)) // timedelta(days=1)
    if days < 30:
        return ago(when, now=now, tz=tz)
    return f"{days:,} days ago ({calendar_date(when, tz=tz)})"


def one_line(text: str | None) -> str:
    """Text with its line breaks and runs of spaces folded into single spaces (for one table cell)."""
    return " ".join((text or "").split())
