"""Components pinned whole: every reason a person reads, and the edges the main tests do not reach."""

from __future__ import annotations

from everreach.relationship.rules import components as c
from everreach.relationship.rules.components import Component, ContextSuggestion
from everreach.relationship.rules.evidence import infer
from everreach.relationship.rules.inputs import LoggedEntry, UserRecords
from tests.relationship.rules.build import NOW, ago, msg

NONE = UserRecords()


def test_recency_reasons_and_no_touch() -> None:
    assert c.recency([msg(7)], now=NOW) == Component(14, "last meaningful touch 7.0 days ago (halves every 14 days)")
    assert c.recency([], now=NOW) == Component(0, "no meaningful touch yet")
    assert c.recency_value(None, now=NOW) == 0


def test_need_clarity_reasons() -> None:
    assert c.need_clarity(NONE, []) == Component(0, "context card empty and nothing inferred from their messages")
    card = UserRecords(context={"their_definition_of_win": "10 orders", "constraints": "no budget"})
    messages = [msg(3, intents=("describes_project",), id="p", text="building a kiln"),
                msg(2, intents=("describes_friction",), id="f", text="glaze cracks")]  # fmt: skip
    items = infer(messages, card, now=NOW)
    # 4 + 2 from the card, 6 + 6 inferred
    assert c.need_clarity(card, items) == Component(
        18,
        "knows their definition of win, constraints; "
        "inferred from their messages: what theyre building, current friction",
    )
    assert c.need_clarity(NONE, items).reason == "inferred from their messages: what theyre building, current friction"
    assert c.context_suggestions(card, items) == [
        ContextSuggestion("what_theyre_building", "building a kiln", "project:p", "p"),
        ContextSuggestion("current_friction", "glaze cracks", "friction:f", "f"),
    ]


def test_value_delivered_reasons_and_an_undated_entry_is_today() -> None:
    records = UserRecords(value_log=(LoggedEntry("link"), LoggedEntry("intro", ago(60))))
    # the undated link is newest (8), the intro 60 days old: 6 x 0.5 = 3
    assert c.value_delivered(records, [], now=NOW) == Component(
        11, "2 times value delivered, newest 0 days ago (half-life 60 days)"
    )
    assert c.value_delivered(NONE, [], now=NOW) == Component(0, "no value delivered yet")


def test_reliability_reasons() -> None:
    log = (LoggedEntry("promise"), LoggedEntry("promise"), LoggedEntry("promise_kept"))
    assert c.reliability(UserRecords(value_log=log), []) == Component(10, "kept 1 of 2 promises")
    assert c.reliability(NONE, []) == Component(10, "no promises made yet (neutral 10)")


def test_consent_reasons() -> None:
    assert c.consent(NONE, []) == Component(0, "no consent or trust signals yet")
    messages = [msg(3, intents=("asks_for_help",)), msg(2, intents=("says_yes",)), msg(1, intents=("shares_update",))]
    # asked for help 6 + opt-in 6 + one trust signal 4
    assert c.consent(NONE, infer(messages, NONE, now=NOW)) == Component(16, "asked for help, opt in; 1 sign of trust")
    trust_only = UserRecords(trust_log=(LoggedEntry("asks_opinion"),))
    assert c.consent(trust_only, []) == Component(4, "no consent yet; 1 sign of trust")
