"""Each coach rule pinned by a hand-made thread: it fires with the messages it points at, or stays quiet."""

from __future__ import annotations

from everreach.relationship.rules import coach as c
from everreach.relationship.rules.evidence import infer, promise_outcomes
from everreach.relationship.rules.inputs import LoggedEvent, MessageFacts, UserRecords
from tests.relationship.rules.build import NOW, ago, msg


def _notes(messages: list[MessageFacts], records: UserRecords | None = None) -> dict[str, c.CoachNote]:
    records = records or UserRecords()
    items = infer(messages, records, now=NOW)
    outcomes = promise_outcomes(messages, records, now=NOW)
    return {n.rule: n for n in c.coach(messages, records, items, outcomes, now=NOW)}


def test_pitching_before_consent() -> None:
    early = [msg(10, out=True, intents=("offer",), id="o1"), msg(9, intents=("says_yes",))]
    note = _notes(early)["pitching_before_consent"]
    assert note.message_ids == ("o1",)
    assert note.sentence.startswith("You pitched on 5 Jun 2025 before they had asked for help")
    after_trust = [msg(12, intents=("asks_opinion",)), msg(10, out=True, intents=("offer",))]
    assert "pitching_before_consent" not in _notes(after_trust)
    logged = UserRecords(events=(LoggedEvent("consent_opt_in", ago(11)),))
    assert "pitching_before_consent" not in _notes([msg(10, out=True, intents=("offer",))], logged)


def test_three_to_one() -> None:
    values = [msg(d, out=True, intents=("delivers_value",)) for d in (30, 25, 20)]
    ok = [*values, msg(10, out=True, intents=("offer",))]
    assert "three_to_one" not in _notes(ok)
    second = [*ok, msg(5, out=True, intents=("offer",), id="o2")]
    note = _notes(second)["three_to_one"]
    assert note.message_ids == ("o2",)
    assert "after 3 value touches for 2 offers" in note.sentence


def test_double_texting() -> None:
    thread = [msg(10, out=True, text="coffee friday?", id="a"), msg(9.9, out=True, id="burst"),
              msg(8, out=True, id="again"), msg(7), msg(6, out=True, text="so?"),
              msg(5.5, out=True, id="quick")]  # fmt: skip
    note = _notes(thread)["double_texting"]
    assert note.message_ids == ("again",)  # same-day bursts and follow-ups within 24 hours are fine
    assert "You wrote again on 7 Jun 2025 while your question was still unanswered" in note.sentence
    # a conversation that ended on your statement, picked up days later, is no double text
    ended = [msg(10), msg(9.9, out=True, text="love that"), msg(3, out=True, text="how was the trip?")]
    assert "double_texting" not in _notes(ended)
    delivered = [msg(10, out=True, text="want the template?"), msg(8, out=True, intents=("delivers_value",))]
    assert "double_texting" not in _notes(delivered)


def test_questions_vs_statements() -> None:
    statements = [msg(d, out=True, text="here is a thing i did") for d in range(10, 4, -1)]
    note = _notes(statements)["questions_vs_statements"]
    assert note.sentence.startswith("Only 0 of your 6 messages asks them anything")
    assert len(note.message_ids) == 3
    one_question = [*statements[:5], msg(4, out=True, text="how are you?")]
    assert "questions_vs_statements" in _notes(one_question)  # 1 of 6 is below one in five (1.2)
    two_questions = [*statements[:4], msg(4, out=True, text="how are you?"), msg(3, out=True, text="and sam?")]
    assert "questions_vs_statements" not in _notes(two_questions)
    assert "questions_vs_statements" not in _notes(statements[:5])


def test_slow_replies() -> None:
    thread = [msg(20, text="can you help me price this?", id="q1"), msg(16, out=True),
              msg(10, text="and the logo?", id="q2"), msg(9, out=True),
              msg(5, text="any news?", id="q3")]  # fmt: skip
    note = _notes(thread)["slow_replies"]
    assert note.message_ids == ("q1", "q3")  # 4 days late, and unanswered after 5 days
    assert "more than 3 days to answer 2 questions" in note.sentence
    assert "slow_replies" not in _notes([msg(1, text="fresh question?")])


def test_promises_left_open() -> None:
    thread = [msg(30, out=True, text="i'll send the deck", intents=("promise",), id="p"),
              msg(5, out=True, text="i'll call you", intents=("promise",))]  # fmt: skip
    note = _notes(thread)["promises_left_open"]
    assert note.message_ids == ("p",)
    assert note.sentence == (
        "You promised “i'll send the deck” on 16 May 2025 and never sent it: deliver it now, or tell them it is off."
    )
    assert "promises_left_open" not in _notes(thread, UserRecords(dismissed=frozenset({"promise:p"})))


def test_a_good_thread_gets_no_notes() -> None:
    thread = [msg(10, intents=("asks_opinion",), text="what do you think?"), msg(9.9, out=True, text="love it, why?"),
              msg(9, text="thanks"), msg(8, out=True, intents=("promise",)),
              msg(7, out=True, intents=("delivers_value",))]  # fmt: skip
    assert _notes(thread) == {}
