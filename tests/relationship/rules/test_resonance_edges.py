"""Resonance pinned whole: its reasons, the 72-hour edge, and the reply rate as a share (DESIGN.md §3)."""

from __future__ import annotations

from datetime import timedelta

from everreach.relationship.rules.components import Component
from everreach.relationship.rules.inputs import MessageFacts
from everreach.relationship.rules.resonance import (
    ResonanceSums,
    replied_ids,
    resonance,
    resonance_sums,
    resonance_terms,
)
from tests.relationship.rules.build import NOW, msg

_DEPTH = "0.0 about themselves, 0.0 with feelings"


def test_only_their_messages_reads_without_a_reply_rate() -> None:
    # one 100-character question today: 1 + 1 + 1 = 3; no message of yours to answer
    assert resonance([msg(0, text="x" * 100, question=True)], now=NOW) == Component(
        3, f"their messages weigh 1.0 (halved per 180 days), 1.0 with questions, {_DEPTH}; no messages of yours"
    )


def test_only_an_old_message_of_yours_is_a_conversation_with_0_percent() -> None:
    # your message 180 days ago weighs 0.5 (< 1, > 0): not "no real conversation", 0% answered
    assert resonance([msg(180, out=True)], now=NOW) == Component(
        0, f"their messages weigh 0.0 (halved per 180 days), 0.0 with questions, {_DEPTH}; they answer 0% of yours "
        "within 72 hours"
    )  # fmt: skip
    assert resonance([], now=NOW) == Component(0, "no real conversation yet")


def test_reply_rate_is_replied_over_sent() -> None:
    all_answered = [msg(0.02, out=True), msg(0.01, out=True), msg(0, text="hi")]
    assert resonance(all_answered, now=NOW).reason.endswith("; they answer 100% of yours within 72 hours")
    # two of yours, the first answered: rate 1/2 -> 2 points; depth 1 + 0.02: 3
    half = [msg(0.5, out=True), msg(0.4, text="hi"), msg(0.1, out=True)]
    assert resonance(half, now=NOW) == Component(
        3, f"their messages weigh 1.0 (halved per 180 days), 0.0 with questions, {_DEPTH}; they answer 50% of yours "
        "within 72 hours"
    )  # fmt: skip


def test_a_reply_exactly_72_hours_later_counts() -> None:
    mine = msg(10, out=True, id="o")
    reply = MessageFacts(id="r", sent_at=mine.sent_at + timedelta(hours=72), is_outbound=False)
    assert replied_ids([mine, reply]) == {"o"}


def test_terms_of_one_message() -> None:
    theirs = msg(0, text="z" * 600, question=True, self_disclosure=True, emotion=True)
    assert resonance_terms(theirs) == ResonanceSums(1.0, 500.0, 1.0, 1.0, 1.0, 0.0, 0.0)
    assert resonance_terms(msg(0, out=True)) == ResonanceSums(sent=1.0, replied=0.0)
    assert resonance_terms(msg(0, out=True), replied=True) == ResonanceSums(sent=1.0, replied=1.0)


def test_sums_skip_filler_and_the_future() -> None:
    assert resonance_sums([msg(1, meaningful=False), msg(-1)], now=NOW) == ResonanceSums()
