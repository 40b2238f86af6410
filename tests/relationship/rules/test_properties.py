"""Hypothesis properties of the v2 rules: ranges, and the directions the rules must never move in."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from everreach.relationship.rules.assess import assess
from everreach.relationship.rules.components import last_touch, recency
from everreach.relationship.rules.evidence import promise_outcomes
from everreach.relationship.rules.inputs import LoggedEntry, LoggedEvent, MessageFacts, UserRecords
from everreach.relationship.rules.resonance import resonance
from tests.relationship.rules.build import NOW

INTENTS = ("asks_opinion", "refers_someone", "asks_for_help", "says_yes", "shares_update", "describes_project",
           "describes_friction", "thanks", "promise", "delivers_value", "offer")  # fmt: skip


@st.composite
def messages(draw: st.DrawFn, min_size: int = 0) -> list[MessageFacts]:
    n = draw(st.integers(min_value=min_size, max_value=16))
    out = []
    for i in range(n):
        out.append(
            MessageFacts(
                id=f"m{i}",
                sent_at=NOW - timedelta(days=draw(st.floats(min_value=0, max_value=400))),
                is_outbound=draw(st.booleans()),
                automated=draw(st.booleans()) and draw(st.booleans()),
                meaningful=draw(st.booleans()) or draw(st.booleans()),
                length=draw(st.integers(min_value=0, max_value=2000)),
                question=draw(st.booleans()),
                self_disclosure=draw(st.booleans()),
                emotion=draw(st.booleans()),
                intents=frozenset(draw(st.sets(st.sampled_from(INTENTS), max_size=3))),
                fit_signals=frozenset(draw(st.sets(st.sampled_from(["a/x", "b/y"]), max_size=2))),
                excerpt="text",
            )
        )
    return out


RECORDS = st.builds(
    UserRecords,
    context=st.dictionaries(
        st.sampled_from(["what_theyre_building", "current_friction", "constraints"]), st.sampled_from(["", "a thing"])
    ),
    value_log=st.lists(
        st.builds(
            LoggedEntry,
            kind=st.sampled_from(["link", "intro", "promise", "promise_kept"]),
            at=st.one_of(st.none(), st.just(NOW - timedelta(days=30))),
        ),
        max_size=4,
    ).map(tuple),
    events=st.lists(
        st.builds(
            LoggedEvent,
            kind=st.sampled_from(["consent_opt_in", "consent_offer_yes", "purchase"]),
            at=st.just(NOW - timedelta(days=3)),
        ),
        max_size=2,
    ).map(tuple),
)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(msgs=messages(), records=RECORDS)
def test_score_and_components_stay_in_range(msgs: list[MessageFacts], records: UserRecords) -> None:
    a = assess(msgs, records, now=NOW)
    assert 0 <= a.score <= 100
    assert all(0 <= v <= 20 for v in a.values().values())


@FAST
@given(msgs=messages(), days=st.floats(min_value=0, max_value=400), length=st.integers(0, 800),
       flags=st.tuples(st.booleans(), st.booleans(), st.booleans()))  # fmt: skip
def test_an_inbound_reply_never_lowers_resonance(
    msgs: list[MessageFacts], days: float, length: int, flags: tuple[bool, bool, bool]
) -> None:
    before = resonance(msgs, now=NOW).value
    reply = MessageFacts("reply", NOW - timedelta(days=days), False, length=length, question=flags[0],
                         self_disclosure=flags[1], emotion=flags[2])  # fmt: skip
    assert resonance([*msgs, reply], now=NOW).value >= before


@FAST
@given(msgs=messages(), days=st.floats(min_value=0, max_value=400))
def test_automated_sends_never_raise_recency(msgs: list[MessageFacts], days: float) -> None:
    before = recency(msgs, now=NOW).value
    auto = MessageFacts("auto", NOW - timedelta(days=days), True, automated=True, length=40)
    after = [*msgs, auto]
    assert recency(after, now=NOW).value <= before
    assert last_touch(after, now=NOW) == last_touch(msgs, now=NOW)


@FAST
@given(msgs=messages(min_size=1), records=RECORDS, pick=st.integers(min_value=0))
def test_dismissing_evidence_never_raises_a_score(msgs: list[MessageFacts], records: UserRecords, pick: int) -> None:
    a = assess(msgs, records, now=NOW)
    broken = {o.promise.id for o in a.outcomes if o.state == "broken"}
    # A broken promise is the one negative item: dismissing it ("that was no promise") is meant to lift
    # reliability, and is pinned by its own test below.
    candidates = [e.id for e in a.evidence if e.counts and e.kind != "promise_broken" and e.id not in broken]
    if not candidates:
        return
    dismissed = replace(records, dismissed=records.dismissed | {candidates[pick % len(candidates)]})
    after = assess(msgs, dismissed, now=NOW)
    assert after.score <= a.score
    assert all(after.values()[k] <= a.values()[k] for k in ("need_clarity", "value_delivered", "consent_level"))


def test_dismissing_a_broken_promise_removes_it_from_reliability() -> None:
    promise = MessageFacts("p", NOW - timedelta(days=30), True, intents=frozenset({"promise"}), excerpt="i'll send it")
    records = UserRecords()
    assert [o.state for o in promise_outcomes([promise], records, now=NOW)] == ["broken"]
    assert assess([promise], records, now=NOW).values()["reliability"] == 0
    gone = UserRecords(dismissed=frozenset({"promise_broken:p"}))
    assert assess([promise], gone, now=NOW).values()["reliability"] == 10
