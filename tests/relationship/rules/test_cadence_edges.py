"""Cadence pinned whole: every field and reason, the edges at `now`, and the attention order by date."""

from __future__ import annotations

from datetime import timedelta

from everreach.relationship.rules.cadence import AttentionItem, Cadence, attention_order, cadence, touch_days
from tests.relationship.rules.build import NOW, ago, msg


def test_no_touch_is_an_empty_cadence() -> None:
    assert cadence([msg(1, meaningful=False)], now=NOW) == Cadence(
        0, None, None, None, False, None, 0.0, "no meaningful touch yet"
    )


def test_a_touch_exactly_now_counts_and_filler_days_do_not() -> None:
    assert touch_days([msg(0), msg(3, meaningful=False)], now=NOW) == [NOW.date()]
    assert cadence([msg(0)], now=NOW).last_touch == NOW


def test_planned_in_the_future_every_field() -> None:
    # touch days 10 days apart (gap 10), last 10 days ago: planned for today, 0 days overdue, not cold
    assert cadence([msg(d) for d in (40, 30, 20, 10)], now=NOW) == Cadence(
        4, ago(10), 10.0, 10.0, False, NOW, 0.0,
        "last touch 5 Jun 2025 (10 days ago); usually every 10 days over 4 touches; next touch planned 15 Jun 2025",
    )  # fmt: skip


def test_going_cold_every_field() -> None:
    # gap 5, silent 21 days (> 10): cold; planned 5 days after the last touch, 16 days overdue
    assert cadence([msg(d) for d in (41, 36, 31, 26, 21)], now=NOW) == Cadence(
        5, ago(21), 5.0, 21.0, True, ago(16), 16.0,
        "last touch 25 May 2025 (21 days ago); usually every 5 days over 5 touches; "
        "going cold: silent for more than 10 days; overdue by 16 days",
    )  # fmt: skip


def test_less_than_a_day_overdue_is_overdue() -> None:
    c = cadence([msg(d) for d in (40.75, 30.75, 20.75, 10.75)], now=NOW)
    assert c.overdue_days == 0.75
    assert c.reason.endswith("; overdue by 1 days")


def test_attention_orders_planned_ones_by_date_not_by_name() -> None:
    soon = cadence([msg(d) for d in (12, 8, 4, 2)], now=NOW)  # planned in 2 days
    later = cadence([msg(d) for d in (16, 11, 6, 1)], now=NOW)  # planned in 4 days
    assert soon.next_planned_touch == NOW + timedelta(days=2)
    assert later.next_planned_touch == NOW + timedelta(days=4)
    items = [AttentionItem("a_later", later), AttentionItem("z_soon", soon)]
    assert [i.key for i in attention_order(items)] == ["z_soon", "a_later"]
