"""Stages pinned whole: every step's reason and messages, and the edges of the windows (DESIGN.md §3)."""

from __future__ import annotations

from everreach.relationship.rules.components import need_clarity
from everreach.relationship.rules.evidence import infer
from everreach.relationship.rules.inputs import LoggedEntry, LoggedEvent, MessageFacts, UserRecords
from everreach.relationship.rules.stages import StageStep, advance, cadence_weeks, event_step, evidence_for, fit_repeat
from tests.relationship.rules.build import NOW, ago, msg


def _step(stage: str, messages: list[MessageFacts], records: UserRecords, clarity: int = 0) -> StageStep | None:
    items = infer(messages, records, now=NOW)
    return evidence_for(stage, need_clarity=clarity, messages=messages, records=records, items=items, now=NOW)


def _advance(messages: list[MessageFacts], records: UserRecords) -> list[StageStep]:
    items = infer(messages, records, now=NOW)
    clarity = need_clarity(records, items).value
    return advance(need_clarity=clarity, messages=messages, records=records, items=items, now=NOW)


def test_context_captured_names_the_project_and_friction_messages() -> None:
    messages = [msg(3, intents=("describes_project",), id="p"), msg(2, intents=("describes_friction",), id="f")]
    assert _step("context_captured", messages, UserRecords(), clarity=12) == StageStep(
        "context_captured", "need clarity 12 of at least 12", ("p", "f")
    )
    assert _step("context_captured", messages, UserRecords(), clarity=11) is None


def test_micro_win_counts_every_logged_value_kind_once_and_no_promise() -> None:
    log = tuple(LoggedEntry(k, ago(5)) for k in ("link", "intro", "template", "feedback", "resource", "promise"))
    value = [msg(4, out=True, intents=("delivers_value",), id="v")]
    assert _step("micro_win_delivered", value, UserRecords(value_log=log)) == StageStep(
        "micro_win_delivered", "value delivered 6 times", ("v",)
    )
    assert _step("micro_win_delivered", value, UserRecords()) == StageStep(
        "micro_win_delivered", "value delivered 1 time", ("v",)
    )
    assert _step("micro_win_delivered", [], UserRecords(value_log=log[:1])) == StageStep(
        "micro_win_delivered", "value delivered 1 time", ()
    )
    assert _step("micro_win_delivered", [], UserRecords(value_log=log[5:])) is None  # a promise is no value


def test_a_card_without_value_stops_at_context_captured() -> None:
    card = UserRecords(context={"what_theyre_building": "a cafe", "current_friction": "slow mornings"})
    assert _advance([], card) == [StageStep("context_captured", "need clarity 12 of at least 12", ())]


def test_cadence_step_reason_messages_and_both_conditions() -> None:
    three_weeks = [msg(1, out=True, id="a"), msg(8, id="b"), msg(15, id="c")]
    assert _step("cadence_established", three_weeks, UserRecords()) == StageStep(
        "cadence_established", "talked in 3 different weeks of the last 60 days, both ways", ("a", "b", "c")
    )
    two_weeks = [msg(1, out=True), msg(8), msg(9)]
    assert _step("cadence_established", two_weeks, UserRecords()) is None


def test_cadence_window_includes_exactly_60_days_and_now() -> None:
    assert cadence_weeks([msg(60, id="edge")], now=NOW) == (1, True, False, ("edge",))
    assert cadence_weeks([msg(60.01)], now=NOW)[0] == 0
    assert cadence_weeks([msg(0, out=True, id="now")], now=NOW) == (1, False, True, ("now",))


def test_trust_step_counts_inferred_and_logged() -> None:
    t = [msg(3, intents=("asks_opinion",), id="t")]
    assert _step("trust_signals", t, UserRecords()) == StageStep("trust_signals", "1 sign of trust", ("t",))
    logged = UserRecords(trust_log=(LoggedEntry("refers_others"),))
    assert _step("trust_signals", t, logged) == StageStep("trust_signals", "2 signs of trust", ("t",))
    assert _step("trust_signals", [], logged) == StageStep("trust_signals", "1 sign of trust", ())
    assert _step("trust_signals", [], UserRecords()) is None


def test_fit_repeats_reason_and_every_message() -> None:
    fits = [msg(20, out=True, fits=("a/x",), id="mine"), msg(10, fits=("a/x",), id="f1")]
    fits.append(msg(0, fits=("a/x",), id="f2"))
    # an earlier message of yours is skipped, not the end; their message sent exactly now counts
    assert fit_repeat(fits, now=NOW) == ("a/x", ("f1", "f2"))
    assert _step("fit_repeats", fits, UserRecords()) == StageStep(
        "fit_repeats", "the same need (a/x) came up on 2 or more days", ("f1", "f2")
    )


def test_post_win_reason() -> None:
    bought = UserRecords(events=(LoggedEvent("purchase", ago(1), "setup call"),))
    assert event_step(bought, []) == StageStep("post_win", "bought setup call on 14 Jun 2025")
    plain = UserRecords(events=(LoggedEvent("purchase", ago(1)),))
    assert event_step(plain, []) == StageStep("post_win", "bought from you on 14 Jun 2025")


def test_permissioned_offer_reasons_name_the_first_yes_only() -> None:
    messages = [
        msg(10, out=True, intents=("offer",)), msg(9, intents=("says_yes",), id="y1"),
        msg(5, out=True, intents=("offer",)), msg(4, intents=("says_yes",), id="y2"),
    ]  # fmt: skip
    items = infer(messages, UserRecords(), now=NOW)
    first = StageStep("permissioned_offer", "said yes to your offer on 6 Jun 2025", ("y1",))
    assert event_step(UserRecords(), items) == first
    logged = UserRecords(events=(LoggedEvent("consent_offer_yes", ago(2)),))
    assert event_step(logged, []) == StageStep("permissioned_offer", "said yes to an offer on 13 Jun 2025")


def test_other_events_are_no_yes() -> None:
    events = (LoggedEvent("template_used", ago(1), "offer/pitch"), LoggedEvent("consent_opt_in", ago(1)))
    assert event_step(UserRecords(events=events), []) is None


def test_an_event_at_the_moment_of_the_move_back_is_not_after_it() -> None:
    moved = ago(5)
    bought = UserRecords(stage="first_touch", pinned_at=moved, events=(LoggedEvent("purchase", moved),))
    assert event_step(bought, []) is None
    logged = UserRecords(stage="first_touch", pinned_at=moved, events=(LoggedEvent("consent_offer_yes", moved),))
    assert event_step(logged, []) is None
    yes = [msg(6, out=True, intents=("offer",)), msg(5, intents=("says_yes",))]
    inferred = UserRecords(stage="first_touch", pinned_at=moved)
    assert event_step(inferred, infer(yes, inferred, now=NOW)) is None


def test_an_event_of_the_stage_already_held_is_no_step() -> None:
    yes = UserRecords(stage="permissioned_offer", events=(LoggedEvent("consent_offer_yes", ago(1)),))
    assert _advance([], yes) == []
