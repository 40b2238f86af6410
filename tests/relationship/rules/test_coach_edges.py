"""Coach rules pinned whole: every sentence, the exact-time edges, and what each rule must not count."""

from __future__ import annotations

from datetime import timedelta

from everreach.relationship.rules import coach as c
from everreach.relationship.rules.coach import CoachNote
from everreach.relationship.rules.evidence import infer, promise_outcomes
from everreach.relationship.rules.inputs import LoggedEntry, LoggedEvent, MessageFacts, UserRecords
from tests.relationship.rules.build import NOW, ago, msg


def _notes(messages: list[MessageFacts], records: UserRecords | None = None) -> dict[str, CoachNote]:
    records = records or UserRecords()
    items = infer(messages, records, now=NOW)
    outcomes = promise_outcomes(messages, records, now=NOW)
    return {n.rule: n for n in c.coach(messages, records, items, outcomes, now=NOW)}


def test_pitching_sentences_one_and_two_offers() -> None:
    one = [msg(10, out=True, intents=("offer",), id="o1")]
    assert _notes(one)["pitching_before_consent"] == CoachNote(
        "pitching_before_consent",
        "You pitched on 5 Jun 2025 before they had asked for help, said yes or shown trust: ask whether they want "
        "ideas first.",
        ("o1",),
    )
    two = [msg(20, out=True, intents=("offer",), id="o1"), msg(10, out=True, intents=("offer",), id="o2")]
    assert _notes(two)["pitching_before_consent"].sentence == (
        "You pitched on 26 May 2025 before they had asked for help, said yes or shown trust (2 offers like that): "
        "ask whether they want ideas first."
    )


def test_pitching_after_consent_or_dated_trust_is_fine_and_at_the_same_moment_too() -> None:
    after_help = [msg(12, intents=("asks_for_help",)), msg(10, out=True, intents=("offer",))]
    assert "pitching_before_consent" not in _notes(after_help)
    trust = UserRecords(trust_log=(LoggedEntry("refers_others", ago(12)),))
    assert "pitching_before_consent" not in _notes([msg(10, out=True, intents=("offer",))], trust)
    same_moment = UserRecords(events=(LoggedEvent("consent_opt_in", ago(10)),))
    assert "pitching_before_consent" not in _notes([msg(10, out=True, intents=("offer",))], same_moment)


def test_an_offer_sent_exactly_now_is_read() -> None:
    assert "pitching_before_consent" in _notes([msg(0, out=True, intents=("offer",))])


def test_three_to_one_sentence_counts_logged_values_only_before_the_offer() -> None:
    one = [msg(30, out=True, intents=("delivers_value",)), msg(10, out=True, intents=("offer",), id="o1")]
    assert _notes(one)["three_to_one"] == CoachNote(
        "three_to_one",
        "Your offer on 5 Jun 2025 came after 1 value touch for 1 offer: give three helpful things (a link, an "
        "intro, real feedback) for every pitch.",
        ("o1",),
    )
    logged = UserRecords(value_log=tuple(LoggedEntry("link", ago(d)) for d in (40, 35, 30)))
    assert "three_to_one" not in _notes([msg(10, out=True, intents=("offer",))], logged)
    promises = UserRecords(value_log=tuple(LoggedEntry("promise", ago(d)) for d in (40, 35, 30)))
    assert "three_to_one" in _notes([msg(10, out=True, intents=("offer",))], promises)
    # a value sent in the offer message itself is not before it
    same = [msg(d, out=True, intents=("delivers_value",)) for d in (40, 35)]
    assert "three_to_one" in _notes([*same, msg(10, out=True, intents=("offer", "delivers_value"))])


def test_double_texting_across_an_answer_and_its_sentence() -> None:
    thread = [msg(20, out=True, text="free friday?", id="a"), msg(18, out=True, id="b"), msg(15, id="in"),
              msg(14, out=True, text="and saturday?", id="c"), msg(12, out=True, id="d")]  # fmt: skip
    assert _notes(thread)["double_texting"] == CoachNote(
        "double_texting",
        "You wrote again on 3 Jun 2025 while your question was still unanswered (2 times in this thread): give a "
        "quiet thread room, or make the next message easy to answer.",
        ("b", "d"),
    )
    single = _notes(thread[:2])["double_texting"]
    assert single.sentence == (
        "You wrote again on 28 May 2025 while your question was still unanswered: give a quiet thread room, or make "
        "the next message easy to answer."
    )


def test_double_texting_edges() -> None:
    # statements of yours days apart, before any message of theirs: no question asked, no double text
    assert "double_texting" not in _notes([msg(10, out=True), msg(8, out=True)])
    # a filler in the run is skipped, not the end of the thread
    filler = [msg(10, out=True, text="lunch?"), msg(9.5, meaningful=False), msg(8, out=True, id="again")]
    assert _notes(filler)["double_texting"].message_ids == ("again",)
    # exactly 24 hours later is not "more than 24 hours"
    asked = msg(10, out=True, text="lunch?")
    exactly = MessageFacts(id="x", sent_at=asked.sent_at + timedelta(hours=24), is_outbound=True)
    assert "double_texting" not in _notes([asked, exactly])


def test_questions_vs_statements_edges() -> None:
    statements = [msg(d, out=True, text="here is a thing", id=f"s{d}") for d in range(20, 13, -1)]
    assert _notes(statements)["questions_vs_statements"] == CoachNote(
        "questions_vs_statements",
        "Only 0 of your 7 messages asks them anything: a question about what they are working on keeps it a "
        "conversation.",
        ("s16", "s15", "s14"),
    )  # the last three statements
    # their messages are not yours: five of yours is too few to judge
    assert "questions_vs_statements" not in _notes([*statements[:5], msg(1, text="and you?")])
    # exactly one in five (2 of 10) is enough
    ten = [msg(d, out=True, text="a statement") for d in range(30, 22, -1)]
    ten += [msg(5, out=True, text="how are you?"), msg(4, out=True, text="and sam?")]
    assert "questions_vs_statements" not in _notes(ten)


def test_slow_replies_edges() -> None:
    # a question of yours left unanswered is not a slow reply of yours
    assert "slow_replies" not in _notes([msg(10, out=True, text="how's it going?")])
    # answered exactly 72 hours later is not more than 72 hours
    q = msg(10, text="price?")
    answer = MessageFacts(id="a", sent_at=q.sent_at + timedelta(hours=72), is_outbound=True)
    assert "slow_replies" not in _notes([q, answer])


def test_promises_left_open_sentence_for_two() -> None:
    thread = [msg(30, out=True, text="i'll send the deck", intents=("promise",), id="p1"),
              msg(25, out=True, text="i'll call", intents=("promise",), id="p2")]  # fmt: skip
    assert _notes(thread)["promises_left_open"] == CoachNote(
        "promises_left_open",
        "You promised “i'll send the deck” on 16 May 2025 and never sent it (2 promises left open): deliver it now, "
        "or tell them it is off.",
        ("p1", "p2"),
    )
