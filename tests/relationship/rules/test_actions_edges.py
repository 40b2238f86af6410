"""Next best action, pinned whole: every field of a suggestion, the edges of the 30-day cooldown, the blank's field."""

from __future__ import annotations

from everreach.relationship.rules.actions import (
    Suggestion,
    fill_field,
    next_actions,
    open_loops,
    pick_templates,
    recently_used,
    stage_label,
    unanswered_question,
)
from everreach.relationship.rules.evidence import promise_outcomes
from everreach.relationship.rules.inputs import LoggedEvent, Template, UserRecords
from tests.relationship.rules.build import NOW, ago, msg

PROMISES = [
    msg(40, out=True, text="i'll send the deck", intents=("promise",), id="old"),
    msg(5, out=True, text="i'll call sam", intents=("promise",), id="new"),
    msg(1, text="ok?", id="q"),
]


def test_open_loops_every_field_newest_promise_first() -> None:
    outcomes = promise_outcomes(PROMISES, UserRecords(), now=NOW)
    # NOW is 15 Jun 2025 12:00: the question is from 14 Jun; the promises from 10 Jun (due 24 Jun, open) and
    # 6 May (due 20 May: 26 days past it)
    assert open_loops(PROMISES, outcomes, lane="service", stage="trust_signals", now=NOW) == [
        Suggestion("answer_question", "service", "trust_signals", "answer them: “ok?”",
                   "their last message, on 14 Jun 2025, asks you something and has no reply", ("q",)),
        Suggestion("deliver_promise", "service", "trust_signals", "deliver what you promised: “i'll call sam”",
                   "you promised it on 10 Jun 2025 and have not sent it yet (due 24 Jun 2025)", ("new",)),
        Suggestion("deliver_promise", "service", "trust_signals", "deliver what you promised: “i'll send the deck”",
                   "you promised it on 6 May 2025 and have not sent it yet (26 days past the 14 you had)", ("old",)),
    ]  # fmt: skip


def test_a_question_sent_exactly_now_is_open() -> None:
    q = msg(0, text="there?", id="now")
    assert unanswered_question([msg(1, out=True), q], now=NOW) is q


def test_stage_label_of_no_stage_or_an_unknown_one_is_context() -> None:
    assert stage_label(None, "service") == "context"
    assert stage_label("retired_stage", "service") == "context"
    assert stage_label("retired_stage", "rewarm") == "cold"


def test_fill_field_explicit_then_hints_then_building() -> None:
    assert fill_field(Template("service", None, "k", "plain, no blank", {"fill": "constraints"})) is None
    assert fill_field(Template("service", None, "k", "what about ___?", {"fill": "constraints"})) == "constraints"
    # an unknown field name or a non-text value falls back to the wording
    assert fill_field(Template("service", None, "k", "stuck on ___?", {"fill": "nonsense"})) == "current_friction"
    assert fill_field(Template("service", None, "k", "stuck on ___?", {"fill": 3})) == "current_friction"
    assert fill_field(Template("service", None, "k", "a WIN looks like ___?")) == "their_definition_of_win"
    assert fill_field(Template("service", None, "k", "how is ___ going?")) == "what_theyre_building"


def test_recently_used_includes_exactly_30_days_and_splits_once() -> None:
    events = [
        LoggedEvent("template_used", ago(30), "service/edge"),
        LoggedEvent("template_used", ago(30.01), "service/too_old"),
        LoggedEvent("template_used", ago(1), "service/a/b"),
        LoggedEvent("template_used", ago(-1), "service/future"),
        LoggedEvent("template_used", ago(1), "no_slash"),
        LoggedEvent("purchase", ago(1), "service/bought"),
    ]
    assert recently_used(events, now=NOW) == {("service", "edge"), ("service", "a/b")}


TEMPLATES = [
    Template("service", None, "k1", "hi ___", {"fill": "constraints"}),
    Template("service", "  ", "k2", "see ___ soon"),
    Template("service", "micro_win", "k0", "plain"),
    Template("service", "context", "k3", "not for this stage"),
    Template("friendship", "micro_win", "k4", "other lane"),
]
CONTEXT = {"constraints": "budget X", "what_theyre_building": "app."}


def test_pick_templates_every_field() -> None:
    # stage match first; an empty or blank stage label fits any stage; a trailing 'X' is kept, a '.' stripped
    assert pick_templates(TEMPLATES, lane="service", stage="trust_signals", context=CONTEXT, used=set()) == [
        Suggestion("k0", "service", "micro_win", "plain",
                   "lane service; made for stage micro_win; not used with them in 30 days"),
        Suggestion("k1", "service", "any", "hi budget X",
                   "lane service; fits any stage; filled from constraints; not used with them in 30 days"),
        Suggestion("k2", "service", "  ", "see app soon",
                   "lane service; fits any stage; filled from what theyre building; not used with them in 30 days"),
    ]  # fmt: skip


def test_next_actions_passes_lane_stage_and_reason_on() -> None:
    records = UserRecords(context=CONTEXT)
    outcomes = promise_outcomes(PROMISES[1:], records, now=NOW)
    held = next_actions(PROMISES[1:], records, outcomes, TEMPLATES, lane="service", stage="fit_repeats", now=NOW,
                        lane_reason="offer held back")  # fmt: skip
    assert [(s.action_key, s.lane, s.stage) for s in held] == [
        ("answer_question", "service", "fit_repeats"), ("deliver_promise", "service", "fit_repeats"),
        ("k1", "service", "any"),
    ]  # fmt: skip
    assert held[2].reason.startswith("lane service (offer held back); fits any stage")
    plain = next_actions([], records, [], TEMPLATES, lane="service", stage="trust_signals", now=NOW)
    assert [s.reason.split(";")[0] for s in plain] == ["lane service"] * 3
