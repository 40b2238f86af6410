"""DESIGN.md §3 pinned with hand-computed examples, plus hypothesis properties of the score."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from everreach.relationship import scoring
from everreach.relationship.scoring import ContactFacts, MessageFacts
from everreach.relationship.textfeatures import MessageRow, message_facts

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def entry(kind: str, days: float = 0) -> dict[str, str]:
    return {"kind": kind, "note": "n", "at": ago(days).isoformat()}


@pytest.mark.parametrize(("days", "expected"), [(0, 20), (7, 14), (14, 10), (28, 5), (56, 1), (200, 0)])
def test_recency_halves_every_14_days(days: float, expected: int) -> None:
    assert scoring.recency(ago(days), now=NOW).value == expected


def test_recency_never_touched_is_zero() -> None:
    assert scoring.recency(None, now=NOW).value == 0


def test_resonance_terms_add_up() -> None:
    # 2 replies (2) + 150 chars (1.5) + 1 question (1) + 1 self (1) + 0 emotion + 3/4 replied (3) = 8.5 -> 9
    facts = MessageFacts(deep_replies=2, reply_chars=150, questions=1, self_disclosures=1, outbound_person=4, replied=3)
    assert scoring.resonance(facts).value == 9


def test_resonance_caps_each_term() -> None:
    facts = MessageFacts(
        deep_replies=50, reply_chars=9000, questions=9, self_disclosures=9, emotion=9, outbound_person=2, replied=2
    )
    assert scoring.resonance(facts).value == 20
    assert scoring.resonance(MessageFacts()).value == 0


@pytest.mark.parametrize(
    ("card", "expected"),
    [
        ({}, 0),
        ({"what_theyre_building": "an app", "current_friction": "time"}, 12),
        ({"their_definition_of_win": "10 clients"}, 4),
        ({"constraints": "x", "preferred_contact_style": "voice notes"}, 4),
        ({"what_theyre_building": "  "}, 0),
        (
            {
                "what_theyre_building": "a",
                "current_friction": "b",
                "their_definition_of_win": "c",
                "constraints": "d",
                "preferred_contact_style": "e",
            },
            20,
        ),
    ],
)
def test_need_clarity_points(card: dict[str, str], expected: int) -> None:
    assert scoring.need_clarity(card).value == expected


@pytest.mark.parametrize(
    ("log", "expected"),
    [
        ([], 0),
        ([entry("link")], 8),
        ([entry("link"), entry("intro"), entry("resource")], 20),
        ([entry("link", 60)], 4),
        ([entry("link"), entry("intro", 60)], 11),  # 8 + 6 x 0.5
        ([entry("link")] * 4, 20),  # 26 capped
        ([entry("promise"), entry("promise_kept")], 0),  # promises are not value delivered
        ([entry("feedback", 120)], 2),  # 8 x 0.25
    ],
)
def test_value_delivered_decays_with_60_day_half_life(log: list[dict[str, str]], expected: int) -> None:
    assert scoring.value_delivered(log, now=NOW).value == expected


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        ([], 10),
        (["promise", "promise", "promise_kept"], 10),
        (["promise", "promise_kept"], 20),
        (["promise", "promise"], 0),
        (["promise"] * 3 + ["promise_kept"] * 2, 13),
        (["promise_kept", "promise_kept", "promise"], 20),  # capped at 1.0
    ],
)
def test_reliability_is_kept_over_made(kinds: list[str], expected: int) -> None:
    assert scoring.reliability([entry(k) for k in kinds]).value == expected


@pytest.mark.parametrize(
    ("events", "trust", "expected"),
    [
        (set(), 0, 0),
        ({"consent_opt_in"}, 0, 6),
        ({"consent_opt_in", "consent_offer_yes"}, 0, 14),
        (set(), 2, 8),
        ({"consent_opt_in", "consent_asked_for_help", "consent_offer_yes"}, 1, 20),
        ({"purchase"}, 0, 0),
    ],
)
def test_consent_points(events: set[str], trust: int, expected: int) -> None:
    signals = [entry("asks_opinion")] * trust
    assert scoring.consent(frozenset(events), signals).value == expected


def test_score_formula_hand_computed() -> None:
    # 5 x (0.2*10 + 0.2*9 + 0.15*12 + 0.2*8 + 0.15*10 + 0.1*6) = 5 x 9.3 = 46.5 -> 47
    values = {
        "recency": 10,
        "resonance": 9,
        "need_clarity": 12,
        "value_delivered": 8,
        "reliability": 10,
        "consent_level": 6,
    }
    assert scoring.relationship_score(values) == 47
    assert scoring.relationship_score(dict.fromkeys(values, 20)) == 100
    assert scoring.relationship_score(dict.fromkeys(values, 0)) == 0


def test_components_have_reasons() -> None:
    facts = ContactFacts(messages=MessageFacts(last_meaningful_touch=ago(14)), value_log=[entry("link")])
    comps = scoring.components(facts, now=NOW)
    assert set(comps.reasons()) == set(scoring.COMPONENTS)
    assert all(comps.reasons().values())
    assert comps.values()["recency"] == 10
    # 5 x (0.2*10 + 0.2*8 + 0.15*10) = 5 x 5.1 = 25.5 -> 26
    assert comps.score == 26


# --- message features ---------------------------------------------------------------------------------


def msg(text: str, days: float, *, out: bool = False, auto: bool = False) -> MessageRow:
    return MessageRow(text=text, is_outbound=out, sent_at=ago(days), sent_by_automation=auto)


def test_message_facts_hand_computed() -> None:
    rows = [
        msg("how did your launch go?", 10, out=True),
        msg("honestly i'm so stressed, my launch slipped. any tips?", 9),  # deep, ?, self, emotion
        msg("lol", 9),  # shallow
        msg("🔥🔥🔥", 8),  # shallow
        msg("automated hello there", 5, out=True, auto=True),  # not a meaningful touch
        msg("ok", 4, out=True),  # filler: not meaningful
        msg("old long reply from long ago", 120),  # outside 90 days
    ]
    f = message_facts(rows, now=NOW)
    assert f.last_meaningful_touch == ago(8)  # inbound "🔥🔥🔥" is a touch; outbound ok/automated are not
    assert (f.deep_replies, f.questions, f.self_disclosures, f.emotion) == (1, 1, 1, 1)
    assert f.reply_chars == len("honestly i'm so stressed, my launch slipped. any tips?")
    assert (f.outbound_person, f.replied) == (1, 1)
    assert (f.total_sent, f.total_received) == (3, 4)


def test_reply_within_72_hours_only() -> None:
    rows = [msg("want the link to that guide?", 10, out=True), msg("yes please send it over", 6)]
    assert message_facts(rows, now=NOW).replied == 0
    rows = [msg("want the link to that guide?", 10, out=True), msg("yes please send it over", 7.5)]
    assert message_facts(rows, now=NOW).replied == 1


def test_cadence_counts_distinct_weeks_both_directions() -> None:
    rows = [msg("hey how are you", 1), msg("good thanks, you?", 8, out=True), msg("it went well", 15)]
    f = message_facts(rows, now=NOW)
    assert (f.cadence_weeks, f.cadence_inbound, f.cadence_outbound) == (3, True, True)
    only_in = message_facts([msg("a b", 1), msg("c d", 8), msg("e f", 15)], now=NOW)
    assert (only_in.cadence_weeks, only_in.cadence_outbound) == (3, False)


# --- properties ----------------------------------------------------------------------------------------

TEXTS = st.sampled_from(
    [
        "ok",
        "lol",
        "🔥🔥",
        "how are you?",
        "i'm excited about my launch!",
        "we love it",
        "our team is tired and stressed",
        "sounds good",
        "x" * 700,
        "what do you think?",
    ]
)
MESSAGES = st.lists(
    st.builds(
        MessageRow,
        text=TEXTS,
        is_outbound=st.booleans(),
        sent_at=st.floats(min_value=0, max_value=150).map(ago),
        sent_by_automation=st.booleans(),
    ),
    max_size=25,
)
LOGS = st.lists(
    st.fixed_dictionaries(
        {
            "kind": st.sampled_from(["link", "intro", "promise", "promise_kept", "feedback", "bogus"]),
            "at": st.floats(min_value=0, max_value=400).map(lambda d: ago(d).isoformat()),
        }
    ),
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(
    messages=MESSAGES,
    log=LOGS,
    trust=st.integers(min_value=0, max_value=8),
    consent=st.sets(st.sampled_from(["consent_opt_in", "consent_asked_for_help", "consent_offer_yes"])),
    card=st.dictionaries(st.sampled_from(list(scoring.CONTEXT_POINTS)), st.sampled_from(["", "something"])),
)
def test_score_and_components_stay_in_range(
    messages: list[MessageRow], log: list[dict[str, str]], trust: int, consent: set[str], card: dict[str, str]
) -> None:
    facts = ContactFacts(
        messages=message_facts(messages, now=NOW),
        context=card,
        value_log=log,
        trust_signals=[entry("refers_others")] * trust,
        consent_kinds=frozenset(consent),
    )
    comps = scoring.components(facts, now=NOW)
    assert all(0 <= v <= 20 for v in comps.values().values())
    assert 0 <= comps.score <= 100


@settings(max_examples=150, deadline=None)
@given(messages=MESSAGES, text=TEXTS, days=st.floats(min_value=0, max_value=150))
def test_an_inbound_reply_never_lowers_resonance(messages: list[MessageRow], text: str, days: float) -> None:
    before = scoring.resonance(message_facts(messages, now=NOW)).value
    after = scoring.resonance(message_facts([*messages, msg(text, days)], now=NOW)).value
    assert after >= before


@settings(max_examples=150, deadline=None)
@given(messages=MESSAGES, text=TEXTS, days=st.floats(min_value=0, max_value=150))
def test_automated_sends_never_raise_recency(messages: list[MessageRow], text: str, days: float) -> None:
    before = message_facts(messages, now=NOW)
    after = message_facts([*messages, msg(text, days, out=True, auto=True)], now=NOW)
    assert after.last_meaningful_touch == before.last_meaningful_touch
    assert (
        scoring.recency(after.last_meaningful_touch, now=NOW).value
        <= scoring.recency(before.last_meaningful_touch, now=NOW).value
    )
