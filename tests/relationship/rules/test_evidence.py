"""Evidence items read from the messages: each names its message; dismissed items do not count."""

from __future__ import annotations

from everreach.relationship.rules.evidence import infer, promise_outcomes
from everreach.relationship.rules.inputs import UserRecords
from tests.relationship.rules.build import NOW, msg

THREAD = [
    msg(50, out=True, text="i'll send you my pricing sheet", intents=("promise",), id="p_old"),
    msg(30, out=True, text="i'll intro you to sam tomorrow", intents=("promise",), id="p_kept"),
    msg(29, out=True, text="here you go: https://x.example/sheet", intents=("delivers_value",), id="v1"),
    msg(28, text="ooh what do you think of my logo?", intents=("asks_opinion",), id="t1"),
    msg(20, out=True, text="want me to set it up for you?", intents=("offer",), id="o1"),
    msg(18, text="yes please!", intents=("says_yes",), id="y1"),
    msg(10, text="i'm building a little ceramics studio", intents=("describes_project",), id="pr1"),
    msg(9, text="pricing is the part i can't figure out", intents=("describes_friction",), id="fr1"),
    msg(3, out=True, text="i'll check and get back to you", intents=("promise",), id="p_open"),
    msg(2, out=True, automated=True, text="auto: thanks for the follow", intents=("promise",), id="auto"),
]


def test_every_kind_names_its_message() -> None:
    items = {(e.kind, e.message_id, e.detail) for e in infer(THREAD, UserRecords(), now=NOW)}
    assert items == {
        ("promise", "p_old", ""),
        ("promise_broken", "p_old", ""),
        ("promise", "p_kept", ""),
        ("promise_kept", "p_kept", ""),
        ("value_delivered", "v1", "delivers_value"),
        ("trust", "t1", "asks_opinion"),
        ("consent", "y1", "offer_yes"),
        ("project", "pr1", "describes_project"),
        ("friction", "fr1", "describes_friction"),
        ("promise", "p_open", ""),
    }


def test_kept_names_the_delivering_message_and_reads_well() -> None:
    kept = next(e for e in infer(THREAD, UserRecords(), now=NOW) if e.kind == "promise_kept")
    assert (kept.related_message_id, kept.id) == ("v1", "promise_kept:p_kept")
    broken = next(e for e in infer(THREAD, UserRecords(), now=NOW) if e.kind == "promise_broken")
    assert broken.sentence() == "promise not kept within 14 days on 10 May 2025: “i'll send you my pricing sheet”"


def test_dismissing_a_delivery_unkeeps_the_promise() -> None:
    records = UserRecords(dismissed=frozenset({"value_delivered:v1"}))
    states = {o.promise.message_id: o.state for o in promise_outcomes(THREAD, records, now=NOW)}
    assert states == {"p_old": "broken", "p_kept": "broken", "p_open": "open"}
    value = next(e for e in infer(THREAD, records, now=NOW) if e.kind == "value_delivered")
    assert (value.status, value.counts) == ("dismissed", False)


def test_dismissing_an_outcome_dismisses_its_promise_and_confirm_is_shown() -> None:
    records = UserRecords(dismissed=frozenset({"promise_broken:p_old"}), confirmed=frozenset({"trust:t1"}))
    by_id = {e.id: e for e in infer(THREAD, records, now=NOW)}
    assert by_id["promise:p_old"].status == "dismissed"
    assert by_id["promise_broken:p_old"].counts is False
    assert by_id["trust:t1"].status == "confirmed"


def test_yes_outside_7_days_of_an_offer_is_plain_consent() -> None:
    late = [msg(20, out=True, intents=("offer",)), msg(12.9, intents=("says_yes",), id="y")]
    (item,) = infer(late, UserRecords(), now=NOW)
    assert (item.kind, item.detail) == ("consent", "says_yes")


def test_only_their_answer_to_the_offer_is_a_yes_to_it() -> None:
    """Their turn right after the offer answers it; once the owner has written about something else, a yes
    answers that, not the offer (still consent, not a yes to the offer)."""
    answered = [
        msg(6, out=True, intents=("offer",)),
        msg(5.9, text="hmm let me think", id="think"),
        msg(5.5, text="ok yes, let's do it", intents=("says_yes",), id="yes"),
    ]
    assert [(e.message_id, e.detail) for e in infer(answered, UserRecords(), now=NOW)] == [("yes", "offer_yes")]
    moved_on = [
        msg(6, out=True, intents=("offer",)),
        msg(5.9, out=True, text="anyway, how was the trip?", id="trip"),
        msg(5.5, text="omg yes, amazing", intents=("says_yes",), id="yes"),
    ]
    assert [(e.message_id, e.detail) for e in infer(moved_on, UserRecords(), now=NOW)] == [("yes", "says_yes")]
    filler_between = [
        msg(6, out=True, intents=("offer",)),
        msg(5.95, out=True, text="ok", meaningful=False, id="ok"),
        msg(5.5, text="yes please", intents=("says_yes",), id="yes"),
    ]
    assert [(e.message_id, e.detail) for e in infer(filler_between, UserRecords(), now=NOW)] == [("yes", "offer_yes")]
