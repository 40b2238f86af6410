"""The separable form of the decayed sums equals the direct sum (DESIGN.md §3 v2)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from everreach.relationship.rules.decay import (
    EPOCH,
    RESONANCE_HALF_LIFE,
    VALUE_HALF_LIFE,
    day_number,
    decay_factor,
    decayed_sum,
    growth_term,
    separable_sum,
)
from tests.relationship.rules.build import NOW, ago


def test_day_number_counts_days_from_the_epoch() -> None:
    assert day_number(EPOCH) == 0
    assert day_number(EPOCH + timedelta(days=1, hours=12)) == 1.5
    assert day_number(datetime(2019, 12, 31, tzinfo=UTC)) == -1


def test_hand_computed_decayed_sum() -> None:
    # 6 points 60 days ago and 8 points today, half-life 60: 6 x 0.5 + 8 = 11
    assert decayed_sum([(6.0, ago(60)), (8.0, NOW)], now=NOW, half_life=60) == pytest.approx(11.0)


def test_growth_term_and_factor() -> None:
    at = EPOCH + timedelta(days=120)
    assert growth_term(3.0, at, 60) == pytest.approx(12.0)
    assert decay_factor(at, 60) == pytest.approx(0.25)


_TIMES = st.datetimes(min_value=datetime(2010, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC))


@given(
    items=st.lists(st.tuples(st.floats(min_value=0, max_value=500), _TIMES), max_size=40),
    later=st.floats(min_value=0, max_value=3000),
    half_life=st.sampled_from([VALUE_HALF_LIFE, RESONANCE_HALF_LIFE]),
)
def test_separable_form_equals_direct_sum(items: list[tuple[float, datetime]], later: float, half_life: float) -> None:
    now = max((t for _, t in items), default=NOW) + timedelta(days=later)
    stored = math.fsum(growth_term(w, t, half_life) for w, t in items)
    direct = decayed_sum(items, now=now, half_life=half_life)
    assert separable_sum(stored, now=now, half_life=half_life) == pytest.approx(direct, rel=1e-9, abs=1e-9)


@given(ages=st.lists(st.floats(min_value=0, max_value=700), max_size=12))
def test_value_and_resonance_from_stored_sums_equal_the_direct_rules(ages: list[float]) -> None:
    from everreach.relationship.rules.components import value_delivered, value_from_stored
    from everreach.relationship.rules.evidence import infer
    from everreach.relationship.rules.inputs import UserRecords
    from everreach.relationship.rules.resonance import (
        ResonanceSums,
        replied_ids,
        resonance,
        resonance_from_stored,
        resonance_terms,
    )
    from tests.relationship.rules.build import msg

    values = [msg(a, out=True, intents=("delivers_value",)) for a in ages]
    stored = math.fsum(growth_term(1.0, m.sent_at, VALUE_HALF_LIFE) for m in values)
    newest = max((m.sent_at for m in values), default=None)
    direct = value_delivered(UserRecords(), infer(values, UserRecords(), now=NOW), now=NOW).value
    assert value_from_stored(stored, newest, now=NOW) == direct

    thread = [msg(a, out=i % 3 == 0, text="t" * int(a), question=i % 2 == 0) for i, a in enumerate(ages)]
    replied = replied_ids(thread)
    sums = ResonanceSums()
    for m in thread:
        sums = sums.plus(resonance_terms(m, replied=m.id in replied).scaled(growth_term(1.0, m.sent_at, 180)))
    assert resonance_from_stored(sums, now=NOW) == resonance(thread, now=NOW).value
