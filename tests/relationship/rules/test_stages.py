"""Stages advance one step at a time on their own evidence; events jump; never backwards except by the user."""

from __future__ import annotations

from everreach.relationship.rules.components import need_clarity
from everreach.relationship.rules.evidence import infer
from everreach.relationship.rules.inputs import LoggedEvent, MessageFacts, UserRecords
from everreach.relationship.rules.stages import advance, cadence_weeks, fit_repeat
from tests.relationship.rules.build import NOW, ago, msg

CARD = {"what_theyre_building": "a cafe", "current_friction": "slow mornings"}


def _steps(messages: list[MessageFacts], records: UserRecords) -> list[str]:
    items = infer(messages, records, now=NOW)
    clarity = need_clarity(records, items).value
    return [s.stage for s in advance(need_clarity=clarity, messages=messages, records=records, items=items, now=NOW)]


CADENCE = [msg(d, out=d % 2 == 1) for d in (1, 2, 8, 9, 15, 16)]
VALUE = [msg(20, out=True, intents=("delivers_value",))]
TRUST = [msg(61, intents=("refers_someone",))]
FIT = [msg(80, fits=("everreach/follow_up_messy",)), msg(70, fits=("everreach/follow_up_messy",))]


def test_the_whole_ladder_in_order() -> None:
    messages = CADENCE + VALUE + TRUST + FIT
    assert _steps(messages, UserRecords(context=CARD)) == [
        "context_captured", "micro_win_delivered", "cadence_established", "trust_signals", "fit_repeats",
    ]  # fmt: skip


def test_each_step_needs_its_own_evidence() -> None:
    # everything but context: nothing moves past first_touch
    assert _steps(CADENCE + VALUE + TRUST + FIT, UserRecords()) == []
    # context and value, no cadence: stops at micro_win_delivered
    assert _steps(VALUE + TRUST + FIT, UserRecords(context=CARD)) == ["context_captured", "micro_win_delivered"]
    # from a later stored stage it continues from there
    assert _steps(FIT, UserRecords(stage="trust_signals")) == ["fit_repeats"]


def test_never_backwards_on_its_own() -> None:
    assert _steps([], UserRecords(stage="fit_repeats")) == []


def test_cadence_needs_three_weeks_both_ways() -> None:
    assert cadence_weeks(CADENCE, now=NOW)[:3] == (3, True, True)
    only_theirs = [msg(d) for d in (1, 8, 15)]
    assert cadence_weeks(only_theirs, now=NOW)[:3] == (3, True, False)
    old = [msg(d, out=d % 2 == 1) for d in (61, 62, 70, 71)]
    assert cadence_weeks(old, now=NOW)[0] == 0


def test_fit_repeats_needs_two_distinct_days_of_theirs() -> None:
    same_day = [msg(10, fits=("a/x",)), msg(10.01, fits=("a/x",))]
    assert fit_repeat(same_day, now=NOW) is None
    mine = [msg(10, out=True, fits=("a/x",)), msg(12, fits=("a/x",))]
    assert fit_repeat(mine, now=NOW) is None
    found = fit_repeat([*same_day, msg(3, fits=("a/x", "b/y"))], now=NOW)
    assert found is not None
    assert found[0] == "a/x"


def test_permissioned_offer_from_a_yes_to_an_offer_from_any_stage() -> None:
    offer = [msg(10, out=True, intents=("offer",)), msg(9, intents=("says_yes",))]
    assert _steps(offer, UserRecords()) == ["permissioned_offer"]
    late_yes = [msg(10, out=True, intents=("offer",)), msg(2, intents=("says_yes",))]
    assert _steps(late_yes, UserRecords()) == []
    logged = UserRecords(events=(LoggedEvent("consent_offer_yes", ago(1)),))
    assert _steps([], logged) == ["permissioned_offer"]


def test_post_win_from_a_purchase_and_never_back_to_permissioned_offer() -> None:
    bought = UserRecords(events=(LoggedEvent("purchase", ago(1), "setup call"),))
    assert _steps([], bought) == ["post_win"]
    offer = [msg(10, out=True, intents=("offer",)), msg(9, intents=("says_yes",))]
    assert _steps(offer, UserRecords(stage="post_win")) == []


def test_user_moved_back_stays_put_until_a_new_event() -> None:
    pinned = UserRecords(context=CARD, stage="first_touch", pinned_at=ago(5))
    assert _steps(VALUE, pinned) == []
    old_yes = [msg(10, out=True, intents=("offer",)), msg(9, intents=("says_yes",))]
    assert _steps(old_yes, pinned) == []
    new_yes = [msg(4, out=True, intents=("offer",)), msg(3, intents=("says_yes",))]
    assert _steps(new_yes, pinned) == ["permissioned_offer"]
