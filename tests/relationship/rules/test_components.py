"""Recency, need clarity, value delivered, reliability, consent and the score, pinned by hand (DESIGN.md §3 v2)."""

from __future__ import annotations

import pytest

from everreach.relationship.rules import components as c
from everreach.relationship.rules.decay import VALUE_HALF_LIFE
from everreach.relationship.rules.evidence import infer, promise_outcomes
from everreach.relationship.rules.inputs import LoggedEntry, LoggedEvent, MessageFacts, UserRecords
from tests.relationship.rules.build import NOW, ago, msg

NONE = UserRecords()


def _items(messages: list[MessageFacts], records: UserRecords = NONE) -> list:
    return infer(messages, records, now=NOW)


@pytest.mark.parametrize(("days", "expected"), [(0, 20), (7, 14), (14, 10), (28, 5), (56, 1), (200, 0)])
def test_recency_halves_every_14_days(days: float, expected: int) -> None:
    assert c.recency([msg(days)], now=NOW).value == expected


def test_recency_ignores_automated_and_filler_and_future() -> None:
    messages = [msg(28), msg(1, out=True, automated=True), msg(0.5, meaningful=False), msg(-3)]
    assert c.recency(messages, now=NOW).value == 5
    assert c.recency([], now=NOW).value == 0


def test_need_clarity_card_points() -> None:
    card = {"what_theyre_building": "a bakery", "current_friction": " ", "their_definition_of_win": "10 orders",
            "constraints": "no budget", "preferred_contact_style": "voice notes"}  # fmt: skip
    assert c.need_clarity(UserRecords(context=card), []).value == 6 + 4 + 2 + 2


def test_need_clarity_inferred_counts_until_dismissed() -> None:
    project = msg(3, text="i'm building a booking app for dog groomers", intents=("describes_project",), id="p1")
    friction = msg(2, text="the hard part is getting anyone to pay", intents=("describes_friction",), id="f1")
    items = _items([project, friction])
    assert c.need_clarity(NONE, items).value == 12
    dismissed = UserRecords(dismissed=frozenset({"project:p1"}))
    assert c.need_clarity(dismissed, _items([project, friction], dismissed)).value == 6
    # a filled card field is not counted twice
    card = UserRecords(context={"what_theyre_building": "groomer app"})
    assert c.need_clarity(card, items).value == 12
    (suggestion,) = c.context_suggestions(card, items)
    assert (suggestion.field, suggestion.message_id) == ("current_friction", "f1")


@pytest.mark.parametrize(
    ("ages", "expected"),
    [
        ([0], 8),  # newest 8
        ([0, 0], 14),  # 8 + 6
        ([0, 0, 0], 20),  # 8 + 6 + 6
        ([0, 0, 0, 0], 20),  # capped
        ([60], 4),  # 8 x 0.5
        ([0, 60], 11),  # 8 + 6 x 0.5
        ([60, 120], 6),  # 8 x 0.5 + 6 x 0.25 = 5.5 -> 6 (half up)
    ],
)
def test_value_delivered_8_6_6_with_60_day_half_life(ages: list[float], expected: int) -> None:
    messages = [msg(a, out=True, intents=("delivers_value",)) for a in ages]
    assert c.value_delivered(NONE, _items(messages), now=NOW).value == expected


def test_value_delivered_adds_logged_entries_and_skips_dismissed() -> None:
    link = msg(0, out=True, intents=("delivers_value",), id="v1")
    records = UserRecords(value_log=(LoggedEntry("intro", ago(60)), LoggedEntry("promise", ago(1))))
    assert c.value_delivered(records, _items([link]), now=NOW).value == 11
    gone = UserRecords(value_log=records.value_log, dismissed=frozenset({"value_delivered:v1"}))
    assert c.value_delivered(gone, _items([link], gone), now=NOW).value == 4


def test_value_points_is_the_separable_form() -> None:
    weights = [0.5 ** (a / VALUE_HALF_LIFE) for a in (3, 40, 90)]
    assert c.value_points(sum(weights), max(weights)) == c.clamp20(8 * weights[0] + 6 * weights[1] + 6 * weights[2])


def _reliability(messages: list[MessageFacts], records: UserRecords = NONE) -> int:
    return c.reliability(records, promise_outcomes(messages, records, now=NOW)).value


def test_reliability_inferred_promises() -> None:
    kept = [msg(30, out=True, intents=("promise",)), msg(20, out=True, intents=("delivers_value",))]
    broken = [msg(40, out=True, intents=("promise",))]  # the delivery 20 days ago is 20 days after it: too late
    open_ = [msg(5, out=True, intents=("promise",))]
    assert _reliability([]) == 10
    assert _reliability(kept) == 20
    assert _reliability(broken) == 0
    assert _reliability(open_) == 10  # not counted until its 14 days are up
    assert _reliability(kept + broken + open_) == 10  # 1 of 2


def test_reliability_delivery_must_come_after_and_within_14_days() -> None:
    same_time = [msg(30, out=True, intents=("promise", "delivers_value"))]
    assert _reliability(same_time) == 0
    late = [msg(40, out=True, intents=("promise",)), msg(25.9, out=True, intents=("delivers_value",))]
    assert _reliability(late) == 0
    edge = [msg(40, out=True, intents=("promise",)), msg(26, out=True, intents=("delivers_value",))]
    assert _reliability(edge) == 20


def test_reliability_logged_as_before() -> None:
    log = (LoggedEntry("promise"), LoggedEntry("promise"), LoggedEntry("promise"), LoggedEntry("promise_kept"))
    assert _reliability([], UserRecords(value_log=log)) == 7  # 20 x 1/3 = 6.67
    assert _reliability([], UserRecords(value_log=(LoggedEntry("promise_kept"),))) == 10


def test_consent_points_and_cap() -> None:
    offer = msg(10, out=True, intents=("offer",))
    yes = msg(9, intents=("says_yes",))
    help_ = msg(8, intents=("asks_for_help",))
    trust = msg(7, intents=("asks_opinion",))
    assert c.consent(NONE, _items([offer, yes])).value == 8  # yes within 7 days of the offer
    assert c.consent(NONE, _items([yes])).value == 6  # a yes to help, not to an offer: opt-in
    assert c.consent(NONE, _items([yes, help_, trust])).value == 6 + 6 + 4
    # each consent kind counts once; trust signals add 4 each; capped at 20
    many = [offer, yes, msg(8.5, intents=("says_yes",)), help_] + [msg(d, intents=("shares_update",)) for d in (1, 2)]
    assert c.consent(NONE, _items(many)).value == 20
    logged = UserRecords(events=(LoggedEvent("consent_offer_yes", ago(1)),), trust_log=(LoggedEntry("refers_others"),))
    assert c.consent(logged, []).value == 12
    assert c.consent(NONE, []).value == 0


def test_score_formula_hand_computed() -> None:
    values = {"recency": 20, "resonance": 15, "need_clarity": 12, "value_delivered": 8, "reliability": 10,
              "consent_level": 6}  # fmt: skip
    # 5 x (4 + 3 + 1.8 + 1.6 + 1.5 + 0.6) = 62.5 -> 63
    assert c.relationship_score(values) == 63
    assert c.relationship_score(dict.fromkeys(c.COMPONENTS, 20)) == 100
    assert c.relationship_score(dict.fromkeys(c.COMPONENTS, 0)) == 0
