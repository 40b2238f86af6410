"""assess and standing hand every rule's result on: the stage, lane, 3:1 rule, keep-in-touch plan and actions."""

from __future__ import annotations

from datetime import timedelta

from everreach.relationship.rules.assess import assess, standing
from everreach.relationship.rules.coach import CoachNote
from everreach.relationship.rules.components import ContextSuggestion
from everreach.relationship.rules.inputs import LoggedEvent, Template, UserRecords
from everreach.relationship.rules.lanes import LaneDecision
from everreach.relationship.rules.stages import StageStep
from tests.relationship.rules.build import NOW, ago, msg

THREAD = [
    msg(40, out=True, intents=("delivers_value",)),
    msg(35, out=True, intents=("delivers_value",)),
    msg(30, out=True, intents=("delivers_value",)),
    msg(20, intents=("asks_for_help",), fits=("a/x",), id="h"),
    msg(10, intents=("describes_friction",), fits=("a/x",), text="what now?", id="q"),
]
TEMPLATES = [Template("offer", "fit_repeats", "pitch", "want me to set up ___?"), Template("service", "any", "s", "hi")]


def test_an_offer_contact_end_to_end() -> None:
    records = UserRecords(context={"what_theyre_building": "a kiln"}, stage="trust_signals", keep_in_touch_days=30)
    a = assess(THREAD, records, now=NOW, templates=TEMPLATES)
    # the same fit signal on two days moves trust_signals on; 3 values for no offer meet 3:1; asked for help: consent
    assert a.steps == (StageStep("fit_repeats", "the same need (a/x) came up on 2 or more days", ("h", "q")),)
    assert (a.stage, a.ratio_met) == ("fit_repeats", True)
    assert a.lane == LaneDecision("offer", "fit repeats with trust and the 3:1 rule met")
    assert a.cadence.next_planned_touch == ago(10) + timedelta(days=30)  # the keep-in-touch interval, not the gap
    assert [(s.action_key, s.lane, s.stage) for s in a.actions] == [
        ("answer_question", "offer", "fit_repeats"),
        ("pitch", "offer", "fit_repeats"),
    ]
    assert a.actions[1].reason.startswith("lane offer (fit repeats with trust and the 3:1 rule met); made for stage")
    assert a.suggestions == (ContextSuggestion("current_friction", "what now?", "friction:q", "q"),)
    assert a.coach == (
        CoachNote(
            "slow_replies",
            "You took more than 3 days to answer 1 question of theirs (latest on 5 Jun 2025: “what now?”): a quick "
            "reply to a question matters most.",
            ("q",),
        ),
    )


def test_without_a_step_the_stored_stage_stays_and_an_empty_one_is_first_touch() -> None:
    assert standing([], UserRecords(stage="trust_signals"), now=NOW).stage == "trust_signals"
    assert standing([], UserRecords(), now=NOW).stage == "first_touch"
    assert standing([], UserRecords(), now=NOW).ratio_met is False
    bought = UserRecords(events=(LoggedEvent("purchase", ago(1)),))
    assert standing([], bought, now=NOW).lane.lane == "retention"


def test_a_message_sent_exactly_now_is_read() -> None:
    assert standing([msg(0)], UserRecords(), now=NOW).cadence.last_touch == NOW
