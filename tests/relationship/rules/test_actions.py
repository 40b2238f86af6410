"""Next best action: open loops first, then lane templates as in v1; none while a message is pending."""

from __future__ import annotations

from everreach.relationship.rules.actions import next_actions, pick_templates, stage_label, unanswered_question
from everreach.relationship.rules.evidence import promise_outcomes
from everreach.relationship.rules.inputs import LoggedEvent, MessageFacts, Template, UserRecords
from tests.relationship.rules.build import NOW, ago, msg

TEMPLATES = [
    Template("service", "micro_win", "quick_resource", "i have a short resource that helped me with ___ — want it?"),
    Template("service", "micro_win", "tiny_next_step", "one small next step for ___ could be tiny. want it?"),
    Template("service", "any", "a_general", "how's your week going?"),
    Template("service", "context", "permission_to_help", "want ideas or just want to vent?"),
    Template("service", "micro_win", "b_win", "you said a win looks like ___?"),
    Template("friendship", "any", "check_in", "yo, how'd it go?"),
]
CARD = {"current_friction": "pricing."}


def _actions(messages: list[MessageFacts], records: UserRecords, stage: str = "micro_win_delivered") -> list:
    outcomes = promise_outcomes(messages, records, now=NOW)
    return next_actions(messages, records, outcomes, TEMPLATES, lane="service", stage=stage, now=NOW)


def test_templates_stage_match_before_any_filled_and_deterministic() -> None:
    picked = _actions([], UserRecords(context=CARD))
    assert [(s.action_key, s.text) for s in picked] == [
        ("quick_resource", "i have a short resource that helped me with pricing — want it?"),
        ("tiny_next_step", "one small next step for pricing could be tiny. want it?"),
        ("a_general", "how's your week going?"),
    ]  # b_win is left out: no definition of win on the card
    assert "made for stage micro_win" in picked[0].reason
    assert "filled from current friction" in picked[0].reason
    assert picked == _actions([], UserRecords(context=CARD))


def test_templates_used_in_30_days_are_left_out() -> None:
    used = (LoggedEvent("template_used", ago(29), "service/quick_resource"),
            LoggedEvent("template_used", ago(31), "service/tiny_next_step"))  # fmt: skip
    keys = [s.action_key for s in _actions([], UserRecords(context=CARD, events=used))]
    assert keys == ["tiny_next_step", "a_general"]


def test_stage_labels() -> None:
    assert stage_label("first_touch", "service") == "context"
    assert stage_label("trust_signals", "friendship") == "micro_win"
    assert stage_label("post_win", "retention") == "post_win"
    assert stage_label("fit_repeats", "rewarm") == "cold"
    assert [s.action_key for s in pick_templates(TEMPLATES, lane="service", stage="first_touch", context={},
                                                  used=set())] == ["permission_to_help", "a_general"]  # fmt: skip


def test_an_unanswered_question_comes_first() -> None:
    q = msg(1, text="do you know a good accountant?", id="q")
    first = _actions([msg(2, out=True), q], UserRecords(context=CARD))
    assert (first[0].action_key, first[0].message_ids) == ("answer_question", ("q",))
    assert first[0].text == "answer them: “do you know a good accountant?”"
    assert len(first) == 3
    # answered (a meaningful message of yours after it): no loop
    assert unanswered_question([q, msg(0.5, out=True)], now=NOW) is None
    assert unanswered_question([q, msg(0.5, out=True, automated=True)], now=NOW) is q


def test_a_promise_not_kept_comes_next_naming_it() -> None:
    messages = [msg(20, out=True, text="i'll send you the pricing template", intents=("promise",), id="p"),
                msg(1, text="what's the first step?", id="q")]  # fmt: skip
    actions = _actions(messages, UserRecords(context=CARD))
    assert [a.action_key for a in actions] == ["answer_question", "deliver_promise", "quick_resource"]
    assert actions[1].text == "deliver what you promised: “i'll send you the pricing template”"
    assert "6 days past the 14 you had" in actions[1].reason
    kept = [*messages, msg(19, out=True, intents=("delivers_value",))]
    assert "deliver_promise" not in [a.action_key for a in _actions(kept, UserRecords(context=CARD))]
    dismissed = UserRecords(context=CARD, dismissed=frozenset({"promise:p"}))
    assert "deliver_promise" not in [a.action_key for a in _actions(messages, dismissed)]


def test_nothing_while_a_message_is_pending_or_scheduled() -> None:
    assert _actions([msg(1, text="are you around?")], UserRecords(context=CARD, open_message=True)) == []
