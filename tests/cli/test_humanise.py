"""The CLI's words: hand-made cases for every humanising helper."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from everreach.cli import humanise as hu

NOW = datetime(2025, 3, 12, 14, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("count", "word", "expected"),
    [
        (1, "value entry", "1 value entry"),
        (2, "value entry", "2 value entries"),
        (0, "contact", "0 contacts"),
        (1, "contact", "1 contact"),
        (3, "match", "3 matches"),
        (2, "day", "2 days"),
        (1200, "message", "1,200 messages"),
        (2, "person", "2 people"),
        (2, "new fit-signal match", "2 new fit-signal matches"),
    ],
)
def test_plural(count: int, word: str, expected: str) -> None:
    assert hu.plural(count, word) == expected


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (NOW - timedelta(seconds=20), "just now"),
        (NOW - timedelta(minutes=1), "1 minute ago"),
        (NOW - timedelta(minutes=5), "5 minutes ago"),
        (NOW - timedelta(hours=3, minutes=59), "3 hours ago"),
        (NOW - timedelta(hours=30), "yesterday"),
        (NOW - timedelta(days=3, hours=2), "3 days ago"),
        (NOW - timedelta(days=29), "29 days ago"),
        (NOW - timedelta(days=45), "26 Jan 2025"),
        (NOW + timedelta(hours=2, minutes=1), "in 2 hours"),
        (NOW + timedelta(hours=25), "tomorrow"),
        (NOW + timedelta(days=40), "21 Apr 2025"),
        (None, "never"),
    ],
)
def test_ago(when: datetime | None, expected: str) -> None:
    assert hu.ago(when, now=NOW) == expected


def test_ago_takes_naive_times_as_utc() -> None:
    assert hu.ago(datetime(2025, 3, 9, 14, 5), now=NOW) == "3 days ago"


def test_calendar_dates_and_clock_times() -> None:
    assert hu.calendar_date(date(2025, 3, 2)) == "2 Mar 2025"
    assert hu.calendar_date(datetime(2023, 12, 17, 15, 54, 57, 674000, tzinfo=UTC)) == "17 Dec 2023"
    # late evening UTC is the next day in Tokyo
    assert hu.calendar_date(datetime(2025, 3, 12, 20, tzinfo=UTC), tz=ZoneInfo("Asia/Tokyo")) == "13 Mar 2025"
    assert hu.clock_time(NOW) == "12 Mar 2025, 14:05"
    assert hu.clock_time(NOW, tz=ZoneInfo("Europe/Berlin")) == "12 Mar 2025, 15:05"
    assert hu.calendar_date(None) == "-"


def test_since_shows_the_count_and_the_date_when_long_ago() -> None:
    assert hu.since(NOW - timedelta(days=2), now=NOW) == "2 days ago"
    assert hu.since(NOW - timedelta(days=1160, hours=20), now=NOW) == "1,160 days ago (6 Jan 2022)"
    assert hu.since(None, now=NOW) == "never"


@pytest.mark.parametrize(
    ("days", "expected"), [(None, "never"), (0, "today"), (1, "yesterday"), (1160, "1,160 days ago")]
)
def test_days_ago(days: int | None, expected: str) -> None:
    assert hu.days_ago(days) == expected


def test_person_puts_the_name_beside_the_handle() -> None:
    assert hu.person("jane.builds", "Jane Okafor") == "Jane Okafor (@jane.builds)"
    assert hu.person("@jane.builds", None) == "@jane.builds"
    assert hu.person("jane.builds", "  ") == "@jane.builds"
    assert hu.person("jane.builds", "Jane.Builds") == "@jane.builds"  # the name only repeats the handle


def test_words_and_one_line() -> None:
    assert hu.words("first_touch") == "first touch"
    assert hu.words("asks_opinion") == "asks opinion"
    assert hu.words(None) == "-"
    assert hu.one_line("two\nlines   and  spaces ") == "two lines and spaces"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("last meaningful touch 1161.0 days ago (halves)", "last meaningful touch 1161 days ago (halves)"),
        ("1 value entries, newest 3 days ago", "1 value entry, newest 3 days ago"),
        ("11 value entries", "11 value entries"),
        ("1 promises kept of 2", "1 promise kept of 2"),
        ("score 1 is low", "score 1 is low"),
        ("1.0 days", "1 day"),
    ],
)  # fmt: skip
def test_tidy_sentence(text: str, expected: str) -> None:
    assert hu.tidy_sentence(text) == expected
