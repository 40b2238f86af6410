"""Cadence: usual gap over touch days, going cold, next planned touch, attention order."""

from __future__ import annotations

from datetime import timedelta

import pytest

from everreach.relationship.rules.cadence import AttentionItem, attention_order, cadence, touch_days
from tests.relationship.rules.build import NOW, ago, msg


def test_usual_gap_is_the_median_over_touch_days() -> None:
    # touches 40, 30, 26, 20, 10 days ago (a burst on one day is one touch): gaps 10, 4, 6, 10 -> median 8
    messages = [msg(d) for d in (40, 30, 26, 20, 10)] + [msg(10.01, out=True), msg(10.02)]
    assert len(touch_days(messages, now=NOW)) == 5
    c = cadence(messages, now=NOW)
    assert c.usual_gap_days == 8
    assert c.next_planned_touch == ago(10) + timedelta(days=8)
    assert c.overdue_days == pytest.approx(2)
    assert c.going_cold is False  # 10 days of silence is not more than 2 x 8
    assert "overdue by 2 days" in c.reason


def test_fewer_than_four_touches_has_no_gap_and_no_plan() -> None:
    c = cadence([msg(d) for d in (30, 20, 10)], now=NOW)
    assert (c.usual_gap_days, c.next_planned_touch, c.going_cold) == (None, None, False)


def test_going_cold_past_twice_the_gap_and_at_least_7_days() -> None:
    every_5 = [msg(d) for d in (41, 36, 31, 26, 21)]
    assert cadence(every_5, now=NOW).going_cold is True  # 21 days > 10
    assert cadence(every_5, now=ago(11)).going_cold is False  # 10 days of silence, not past 10
    daily = [msg(d) for d in (10, 9, 8, 7, 6)]
    assert cadence(daily, now=ago(-0.9)).going_cold is False  # 6.9 days: the floor of 7 days holds
    assert cadence(daily, now=ago(-1.1)).going_cold is True


def test_automated_sends_are_no_touch() -> None:
    messages = [msg(d) for d in (40, 30, 20, 10)] + [msg(1, out=True, automated=True)]
    assert cadence(messages, now=NOW).last_touch == ago(10)


def test_keep_in_touch_interval_wins_over_the_gap() -> None:
    c = cadence([msg(d) for d in (40, 30, 20, 10)], now=NOW, keep_in_touch_days=30)
    assert c.next_planned_touch == ago(10) + timedelta(days=30)
    assert c.overdue_days == 0
    assert "keep in touch every 30 days" in c.reason
    # an interval alone is enough for a plan
    assert cadence([msg(45)], now=NOW, keep_in_touch_days=30).overdue_days == pytest.approx(15)


def test_attention_lists_overdue_first() -> None:
    items = [
        AttentionItem("planned", cadence([msg(d) for d in (12, 8, 4, 2)], now=NOW)),  # gap 4, next in 2 days
        AttentionItem("no_plan", cadence([msg(1)], now=NOW)),
        AttentionItem("a_bit_late", cadence([msg(d) for d in (40, 30, 20, 10)], now=NOW)),  # overdue 0
        AttentionItem("very_late", cadence([msg(d) for d in (90, 80, 70, 60)], now=NOW)),  # overdue 50
        AttentionItem("late", cadence([msg(d) for d in (25, 20, 15, 10)], now=NOW)),  # overdue 5
    ]
    assert [i.key for i in attention_order(items)] == ["very_late", "late", "a_bit_late", "planned", "no_plan"]
