"""Time labels across the clock changes (America/New_York: 1 Nov 2026 shows 1:00-1:59 AM twice; 8 Mar 2026
has no 2:00-2:59 AM)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from everreach.browser.times import MINUTE, Label, group_windows, parse_label, resolve_repeated

TZ = "America/New_York"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _label(text: str) -> Label:
    label = parse_label(text, now=NOW, tz=TZ)
    assert label is not None
    return label


def test_an_ordinary_time_is_one_minute() -> None:
    label = _label("Nov 3, 2026, 1:27 AM")
    assert (label.start, label.precision, label.later) == (datetime(2026, 11, 3, 6, 27, tzinfo=UTC), MINUTE, None)


def test_a_time_shown_twice_spans_both_readings() -> None:
    label = _label("Nov 1, 2026, 1:27 AM")
    assert label.start == datetime(2026, 11, 1, 5, 27, tzinfo=UTC)  # summer time, the first 1:27
    assert label.later == datetime(2026, 11, 1, 6, 27, tzinfo=UTC)  # standard time, an hour later
    assert label.end == datetime(2026, 11, 1, 6, 28, tzinfo=UTC)


def test_a_time_the_spring_change_skips_is_one_minute_of_one_reading() -> None:
    label = _label("Mar 8, 2026, 2:30 AM")
    assert label.later is None
    assert label.precision == MINUTE


def test_a_day_label_on_a_clock_change_day_is_that_local_day() -> None:
    assert _label("Nov 1, 2026").precision == timedelta(hours=25)
    assert _label("Mar 8, 2026").precision == timedelta(hours=23)
    assert _label("Nov 3, 2026").precision == timedelta(hours=24)


def test_an_older_label_later_than_the_first_reading_means_the_second() -> None:
    older, repeated = _label("Nov 1, 2026, 1:50 AM"), _label("Nov 1, 2026, 1:10 AM")
    resolved = resolve_repeated([older, repeated])
    assert resolved[1] == Label(datetime(2026, 11, 1, 6, 10, tzinfo=UTC), MINUTE, "Nov 1, 2026, 1:10 AM")


def test_a_newer_label_before_the_second_reading_means_the_first() -> None:
    repeated, newer = _label("Nov 1, 2026, 1:10 AM"), _label("Nov 1, 2026, 1:40 AM")
    # 1:40 may itself be either reading (05:40 or 06:40): it does not rule out 06:10, so nothing is decided
    assert resolve_repeated([repeated, newer]) == [repeated, newer]
    plain_newer = _label("Nov 1, 2026, 12:59 AM")  # shown once: 04:59, before the second 1:10 (06:10)
    assert resolve_repeated([repeated, plain_newer])[0] == Label(
        datetime(2026, 11, 1, 5, 10, tzinfo=UTC), MINUTE, "Nov 1, 2026, 1:10 AM"
    )


def test_undecided_labels_keep_a_window_that_holds_both_readings() -> None:
    repeated = _label("Nov 1, 2026, 1:10 AM")
    (window,) = group_windows(resolve_repeated([repeated]), now=NOW)
    assert window.start <= datetime(2026, 11, 1, 5, 10, tzinfo=UTC)
    assert window.end > datetime(2026, 11, 1, 6, 10, tzinfo=UTC)
