"""Pacing across daylight-saving changes: the window's start in a repeated hour, a window that a skipped hour eats.

Written to kill mutants that survived in outreach/pacing.py (tests/MUTATION.md): `next_active` must never move
a time backwards, and `next_send` must apply its rules again when one move lands outside the window.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from everreach.outreach.pacing import PacingFacts, PacingPolicy, next_send

NEW_YORK = ZoneInfo("America/New_York")
#: 2026-11-01 01:30 happens twice in New York: 05:30 UTC (EDT), then 06:30 UTC (EST).
FIRST_0130 = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
SECOND_0130 = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)


def test_the_second_start_time_of_a_repeated_hour_is_inside_a_day_window() -> None:
    p = PacingPolicy(tz=NEW_YORK, active_start=time(1, 30), active_end=time(21))
    assert p.next_active(SECOND_0130) == SECOND_0130  # not the first 01:30, an hour earlier
    assert p.next_active(FIRST_0130) == FIRST_0130


def test_the_second_start_time_of_a_repeated_hour_is_inside_an_overnight_window() -> None:
    p = PacingPolicy(tz=NEW_YORK, active_start=time(1, 30), active_end=time(0, 30))
    assert p.next_active(SECOND_0130) == SECOND_0130
    assert p.next_active(FIRST_0130) == FIRST_0130


def test_a_window_inside_the_skipped_hour_moves_on_to_a_day_where_it_exists() -> None:
    """02:00-02:30 does not exist on 2026-03-08 in New York: its "start" is 03:00 EDT, outside; the 9th counts."""
    p = PacingPolicy(tz=NEW_YORK, active_start=time(2), active_end=time(2, 30))
    now = datetime(2026, 3, 7, 17, tzinfo=UTC)  # 12:00 EST the day before
    nxt = next_send(p, PacingFacts(), now=now, rng=lambda _id: 0.0)
    assert nxt.at == datetime(2026, 3, 9, 6, tzinfo=UTC)  # 02:00 EDT on the 9th
    assert nxt.at.astimezone(NEW_YORK).time() == time(2)
    assert nxt.reasons == ("outside active hours 02:00-02:30 America/New_York",)
