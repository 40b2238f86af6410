"""Resonance: depth of their messages and their 72-hour reply rate, each weighted 0.5^(age/180)."""

from __future__ import annotations

import math

import pytest

from everreach.relationship.rules.decay import RESONANCE_HALF_LIFE, growth_term, separable_sum
from everreach.relationship.rules.resonance import (
    ResonanceSums,
    replied_ids,
    resonance,
    resonance_sums,
    resonance_terms,
    resonance_value,
)
from tests.relationship.rules.build import NOW, msg


def test_hand_computed_today() -> None:
    messages = [
        msg(0.2, out=True, text="how is the shop going?"),
        msg(0.1, text="x" * 250, question=True, self_disclosure=True, emotion=True),
        msg(0.0, text="y" * 150),
    ]
    # depth: min(4, ~2) + min(4, ~4) + ~1 + ~1 + ~1 = ~9, reply rate 1/1 -> 4: 13
    assert resonance(messages, now=NOW).value == 13


def test_every_term_is_capped() -> None:
    messages = [msg(0, text="z" * 900, question=True, self_disclosure=True, emotion=True) for _ in range(10)]
    assert resonance(messages, now=NOW).value == 4 + 4 + 3 + 3 + 2


def test_half_weight_after_180_days() -> None:
    # one 200-character message 180 days ago weighs 0.5: 0.5 + 2 x 0.5 = 1.5 -> 2
    assert resonance([msg(180, text="w" * 200)], now=NOW).value == 2
    # the same today: 1 + 2 = 3
    assert resonance([msg(0, text="w" * 200)], now=NOW).value == 3


def test_reply_within_72_hours_only() -> None:
    mine = msg(10, out=True, id="o1")
    assert replied_ids([mine, msg(7.01)]) == {"o1"}
    assert replied_ids([mine, msg(6.99)]) == set()
    assert replied_ids([mine, msg(8, meaningful=False)]) == set()  # a filler is no reply
    half = [msg(20, out=True), msg(19), msg(10, out=True)]  # 1 of 2 of yours answered
    s = resonance_sums(half, now=NOW)
    assert s.replied / s.sent == pytest.approx(0.5 ** (20 / 180) / (0.5 ** (20 / 180) + 0.5 ** (10 / 180)))


def test_automated_and_filler_add_nothing() -> None:
    assert resonance_terms(msg(0, out=True, automated=True)) == ResonanceSums()
    assert resonance_terms(msg(0, meaningful=False)) == ResonanceSums()
    assert resonance([msg(0, out=True, automated=True)], now=NOW).value == 0


def test_stored_terms_summed_in_separable_form_give_the_same_value() -> None:
    messages = [msg(d, out=d % 2 == 0, text="t" * (d * 7), question=d % 3 == 0) for d in range(1, 60, 4)]
    replied = replied_ids(messages)
    stored = ResonanceSums()
    for m in messages:
        stored = stored.plus(resonance_terms(m, replied=m.id in replied).scaled(growth_term(1.0, m.sent_at, 180)))
    slid = stored.scaled(separable_sum(1.0, now=NOW, half_life=RESONANCE_HALF_LIFE))
    direct = resonance_sums(messages, now=NOW)
    for name in ("inbound", "chars", "questions", "sent", "replied"):
        assert math.isclose(getattr(slid, name), getattr(direct, name), rel_tol=1e-9)
    assert resonance_value(slid) == resonance_value(direct)
