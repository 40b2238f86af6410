"""Stages (automatic, sequential, never backwards), lanes, the 3:1 rule and next-best-action picking."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from everreach.relationship import actions, scoring, stages
from everreach.relationship.scoring import ContactFacts, MessageFacts
from everreach.seed.defaults import load_defaults

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
CARD = {"what_theyre_building": "a gym app", "current_friction": "follow ups"}
LINK = {"kind": "link", "note": "guide", "at": NOW.isoformat()}
TRUST = {"kind": "asks_opinion", "note": "asked about pricing", "at": NOW.isoformat()}
CADENCE = MessageFacts(cadence_weeks=3, cadence_inbound=True, cadence_outbound=True)


def steps(current: str | None, facts: ContactFacts) -> list[str]:
    comps = scoring.components(facts, now=NOW)
    return [s for s, _ in stages.advance(current, facts, comps)]


def test_context_card_moves_first_touch_to_context_captured() -> None:
    assert steps("first_touch", ContactFacts(context=CARD)) == ["context_captured"]
    assert steps(None, ContactFacts(context={"what_theyre_building": "x"})) == []


def test_all_evidence_walks_the_whole_ladder_in_order() -> None:
    facts = ContactFacts(
        messages=CADENCE, context=CARD, value_log=[LINK], trust_signals=[TRUST], fit_repeat_signal="everreach/x"
    )
    assert steps("first_touch", facts) == [
        "context_captured",
        "micro_win_delivered",
        "cadence_established",
        "trust_signals",
        "fit_repeats",
    ]


def test_stages_are_sequential_each_step_needs_its_own_evidence() -> None:
    # value delivered but no context card: stays at first_touch
    assert steps("first_touch", ContactFacts(value_log=[LINK])) == []
    # cadence needs both directions
    one_way = MessageFacts(cadence_weeks=4, cadence_inbound=True, cadence_outbound=False)
    assert steps("micro_win_delivered", ContactFacts(messages=one_way, context=CARD, value_log=[LINK])) == []


def test_never_backwards_and_nothing_automatic_past_fit_repeats() -> None:
    assert steps("cadence_established", ContactFacts()) == []
    everything = ContactFacts(messages=CADENCE, context=CARD, value_log=[LINK], trust_signals=[TRUST])
    assert steps("post_win", everything) == []
    assert steps("permissioned_offer", everything) == []
    # a user-set stage is the base for the next automatic step
    assert steps("trust_signals", ContactFacts(fit_repeat_signal="everreach/follow_up_messy")) == ["fit_repeats"]


@pytest.mark.parametrize(
    ("value", "template_touches", "offers", "met"),
    [(3, 0, 0, True), (2, 0, 0, False), (2, 1, 0, True), (5, 0, 1, False), (6, 0, 1, True), (4, 5, 2, True)],
)
def test_three_to_one_rule(value: int, template_touches: int, offers: int, met: bool) -> None:
    facts = ContactFacts(value_log=[LINK] * value, template_value_touches=template_touches, offer_touches=offers)
    assert stages.three_to_one_met(facts) is met


def test_promise_kept_counts_as_a_value_touch_but_a_promise_does_not() -> None:
    kept = {"kind": "promise_kept", "at": NOW.isoformat()}
    made = {"kind": "promise", "at": NOW.isoformat()}
    assert stages.three_to_one_met(ContactFacts(value_log=[LINK, LINK, kept]))
    assert not stages.three_to_one_met(ContactFacts(value_log=[LINK, LINK, made]))


@pytest.mark.parametrize(
    ("stage", "score", "consent", "ratio", "lane"),
    [
        ("post_win", 10, 0, False, "retention"),
        ("fit_repeats", 50, 4, True, "offer"),
        ("permissioned_offer", 20, 8, True, "offer"),
        ("fit_repeats", 85, 0, True, "friendship"),  # no trust: no offer
        ("fit_repeats", 50, 4, False, "service"),  # 3:1 not met
        ("trust_signals", 80, 20, True, "friendship"),
        ("first_touch", 79, 0, False, "service"),
        ("first_touch", 40, 0, False, "service"),
        ("first_touch", 39, 0, False, "rewarm"),
    ],
)
def test_lanes(stage: str, score: int, consent: int, ratio: bool, lane: str) -> None:
    assert stages.lane(stage, score=score, consent_level=consent, ratio_met=ratio).lane == lane


def seed_templates() -> list[actions.Template]:
    return [actions.Template(t["lane"], t["stage"], t["key"], t["text"]) for t in load_defaults()["template"]]


def keys(suggestions: list[actions.Suggestion]) -> list[str]:
    return [s.action_key for s in suggestions]


def test_stage_labels_map_contact_stages() -> None:
    assert actions.stage_label("first_touch", "service") == "context"
    assert actions.stage_label("context_captured", "service") == "micro_win"
    assert actions.stage_label("trust_signals", "friendship") == "micro_win"
    assert actions.stage_label("fit_repeats", "offer") == "fit_repeats"
    assert actions.stage_label("post_win", "retention") == "post_win"
    assert actions.stage_label("trust_signals", "rewarm") == "cold"


def test_pick_fills_blanks_and_sorts_deterministically() -> None:
    got = actions.pick(seed_templates(), lane="service", stage="micro_win_delivered", context=CARD)
    assert keys(got) == ["intro_offer", "quick_resource", "tiny_next_step"]
    assert got[1].text == "i have a short resource that helped me with follow ups — want it?"
    assert "filled from current_friction" in got[1].reason
    assert got == actions.pick(seed_templates(), lane="service", stage="micro_win_delivered", context=CARD)


def test_pick_skips_templates_whose_blank_cannot_be_filled() -> None:
    got = actions.pick(seed_templates(), lane="rewarm", stage="first_touch", context={})
    assert keys(got) == ["low_friction", "no_pressure_hello"]
    got = actions.pick(seed_templates(), lane="rewarm", stage="first_touch", context=CARD)
    assert keys(got) == ["been_a_while", "low_friction", "no_pressure_hello"]
    assert got[0].text == "been a minute! still working on a gym app?"


def test_pick_leaves_out_recently_used_templates() -> None:
    got = actions.pick(
        seed_templates(), lane="rewarm", stage=None, context=CARD, recently_used=[("rewarm", "been_a_while")]
    )
    assert keys(got) == ["low_friction", "no_pressure_hello"]


def test_stage_match_comes_before_any() -> None:
    templates = [
        actions.Template("service", "any", "a_any", "hello"),
        actions.Template("service", "context", "z_context", "want ideas?"),
        actions.Template("service", None, "b_none", "hi"),
        actions.Template("service", "micro_win", "m", "not for this stage"),
        actions.Template("friendship", "context", "other_lane", "nope"),
    ]
    got = actions.pick(templates, lane="service", stage="first_touch", context={})
    assert keys(got) == ["z_context", "a_any", "b_none"]


def test_fill_field_uses_metadata_then_wording() -> None:
    assert actions.fill_field(actions.Template("r", "post_win", "k", "you said a win looks like ___")) == (
        "their_definition_of_win"
    )
    assert actions.fill_field(actions.Template("r", "x", "k", "how's ___ going", {"fill": "constraints"})) == (
        "constraints"
    )
    assert actions.fill_field(actions.Template("r", "x", "k", "no blank here")) is None
