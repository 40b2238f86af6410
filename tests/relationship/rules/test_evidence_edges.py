"""Evidence at its edges: exact-time windows, statuses, and what a kept promise carries (DESIGN.md §3)."""

from __future__ import annotations

from everreach.relationship.rules.evidence import Evidence, infer, promise_outcomes
from everreach.relationship.rules.inputs import UserRecords
from tests.relationship.rules.build import NOW, ago, msg

KEPT = [msg(30, out=True, text="i'll intro you", intents=("promise",), id="p"),
        msg(29, out=True, text="here: sam@x", intents=("delivers_value",), id="v")]  # fmt: skip


def test_a_kept_promise_carries_the_promise_words_and_status() -> None:
    items = infer(KEPT, UserRecords(confirmed=frozenset({"promise:p"})), now=NOW)
    assert items == [
        Evidence("promise:p", "promise", "p", ago(30), "i'll intro you", "", "confirmed"),
        Evidence("promise_kept:p", "promise_kept", "p", ago(29), "i'll intro you", "", "confirmed", "v"),
        Evidence("value_delivered:v", "value_delivered", "v", ago(29), "here: sam@x", "delivers_value", "inferred"),
    ]


def test_dismissing_the_kept_item_dismisses_its_promise() -> None:
    (outcome,) = promise_outcomes(KEPT, UserRecords(dismissed=frozenset({"promise_kept:p"})), now=NOW)
    assert (outcome.state, outcome.promise.status) == ("kept", "dismissed")


def test_promise_windows_at_now_and_at_exactly_14_days() -> None:
    now_delivery = [msg(5, out=True, intents=("promise",)), msg(0, out=True, intents=("delivers_value",))]
    assert [o.state for o in promise_outcomes(now_delivery, UserRecords(), now=NOW)] == ["kept"]
    assert [o.state for o in promise_outcomes([msg(14, out=True, intents=("promise",))], UserRecords(), now=NOW)] == [
        "open"
    ]  # 14 days up to the moment: not yet broken


def test_a_future_message_says_nothing() -> None:
    assert infer([msg(-1, out=True, intents=("promise",))], UserRecords(), now=NOW) == []


def test_a_yes_answers_only_an_offer_and_up_to_exactly_7_days_or_now() -> None:
    plain = [msg(3, out=True, text="i'll send the photos", intents=("promise",)), msg(2, intents=("says_yes",), id="y")]
    assert [e.detail for e in infer(plain, UserRecords(), now=NOW) if e.kind == "consent"] == ["says_yes"]
    at_7_days = [msg(8, out=True, intents=("offer",)), msg(1, intents=("says_yes",), id="y")]
    assert [e.detail for e in infer(at_7_days, UserRecords(), now=NOW)] == ["offer_yes"]
    at_now = [msg(1, out=True, intents=("offer",)), msg(0, intents=("says_yes",), id="y")]
    assert [e.detail for e in infer(at_now, UserRecords(), now=NOW)] == ["offer_yes"]
