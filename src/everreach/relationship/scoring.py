"""The six score components (0-20 each) and the 0-100 relationship score, with reasons (DESIGN.md §3).

Everything here is pure: it takes facts already gathered (from the database by `facts.py`, or built by hand
in tests) and returns numbers with the sentence that explains them. Components are whole numbers, rounded half
up, and the score is computed from those whole numbers, so the user can check it by hand from what is shown.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

COMPONENTS = ("recency", "resonance", "need_clarity", "value_delivered", "reliability", "consent_level")
WEIGHTS: Mapping[str, float] = {
    "recency": 0.20,
    "resonance": 0.20,
    "need_clarity": 0.15,
    "value_delivered": 0.20,
    "reliability": 0.15,
    "consent_level": 0.10,
}
RECENCY_HALF_LIFE_DAYS = 14.0
VALUE_HALF_LIFE_DAYS = 60.0
VALUE_KINDS = ("link", "intro", "template", "feedback", "resource")
PROMISE_KINDS = ("promise", "promise_kept")
TRUST_KINDS = ("asks_opinion", "refers_others", "shares_updates")
#: Points of each explicit consent event kind (each kind counts once) and of each trust signal.
CONSENT_POINTS: Mapping[str, int] = {"consent_opt_in": 6, "consent_asked_for_help": 6, "consent_offer_yes": 8}
TRUST_POINTS = 4
CONTEXT_POINTS: Mapping[str, int] = {
    "what_theyre_building": 6,
    "current_friction": 6,
    "their_definition_of_win": 4,
    "constraints": 2,
    "preferred_contact_style": 2,
}


def round_half_up(value: float) -> int:
    """Round to the nearest whole number, halves up (Python's round() would go to even)."""
    return math.floor(value + 0.5)


def clamp20(value: float) -> int:
    """A component value: rounded half up and kept within 0..20."""
    return max(0, min(20, round_half_up(value)))


@dataclass(frozen=True)
class MessageFacts:
    """What the messages of one contact say, aggregated (see `textfeatures.message_facts` for the rules)."""

    last_meaningful_touch: datetime | None = None
    deep_replies: int = 0  # inbound, last 90 days, more than one word
    reply_chars: int = 0  # their characters in those, each message counted up to 500
    questions: int = 0
    self_disclosures: int = 0
    emotion: int = 0
    outbound_person: int = 0  # your meaningful (person-written) messages in the last 90 days
    replied: int = 0  # of those, how many got an inbound message within 72 h
    cadence_weeks: int = 0  # distinct weeks with a meaningful touch in the last 60 days
    cadence_inbound: bool = False
    cadence_outbound: bool = False
    total_sent: int = 0
    total_received: int = 0


@dataclass(frozen=True)
class ContactFacts:
    """Everything the score, stage and lane of one contact depend on."""

    messages: MessageFacts = field(default_factory=MessageFacts)
    context: Mapping[str, str | None] = field(default_factory=dict)
    value_log: Sequence[Mapping[str, Any]] = ()
    trust_signals: Sequence[Mapping[str, Any]] = ()
    consent_kinds: frozenset[str] = frozenset()
    template_value_touches: int = 0  # non-offer templates used with them
    offer_touches: int = 0  # offer-lane templates used with them
    fit_repeat_signal: str | None = None  # a signal matched on >= 2 distinct days, if any
    purchases: int = 0


@dataclass(frozen=True)
class Component:
    """One component's value (0..20) and why."""

    value: int
    reason: str


def recency_value(last_touch: datetime | None, *, now: datetime) -> int:
    """The value of :func:`recency` alone (recompute needs no reasons)."""
    if last_touch is None:
        return 0
    days = max(0.0, (now - last_touch) / timedelta(days=1))
    return clamp20(20 * 0.5 ** (days / RECENCY_HALF_LIFE_DAYS))


def recency(last_touch: datetime | None, *, now: datetime) -> Component:
    """20 x 0.5^(days since the last meaningful touch / 14); 0 when there never was one."""
    if last_touch is None:
        return Component(0, "no meaningful touch yet")
    days = max(0.0, (now - last_touch) / timedelta(days=1))
    value = recency_value(last_touch, now=now)
    return Component(value, f"last meaningful touch {days:.1f} days ago (halves every 14 days)")


def resonance_value(m: MessageFacts) -> int:
    """The value of :func:`resonance` alone."""
    parts = (
        min(4.0, float(m.deep_replies)),
        min(4.0, m.reply_chars / 100),
        min(3.0, float(m.questions)),
        min(3.0, float(m.self_disclosures)),
        min(2.0, float(m.emotion)),
        4.0 * m.replied / m.outbound_person if m.outbound_person else 0.0,
    )
    return clamp20(sum(parts))


def resonance(m: MessageFacts) -> Component:
    """Depth of their replies in the last 90 days plus their 72-hour reply rate (every term only grows)."""
    value = resonance_value(m)
    if not m.deep_replies and not m.replied:
        return Component(value, "no real replies from them in the last 90 days")
    reason = (
        f"{m.deep_replies} real replies in 90 days ({m.reply_chars} chars), {m.questions} with questions, "
        f"{m.self_disclosures} sharing about themselves, {m.emotion} with feelings; "
        f"replied within 72 h to {m.replied} of your {m.outbound_person} messages"
    )
    return Component(value, reason)


def need_clarity(context: Mapping[str, str | None]) -> Component:
    """Context card: building 6, friction 6, definition of win 4, constraints 2, contact style 2."""
    known = [name for name in CONTEXT_POINTS if (context.get(name) or "").strip()]
    value = sum(CONTEXT_POINTS[name] for name in known)
    if not known:
        return Component(0, "context card empty")
    missing = [name for name in CONTEXT_POINTS if name not in known]
    reason = f"knows {', '.join(known)}" + (f"; missing {', '.join(missing)}" if missing else "")
    return Component(value, reason)


def parse_at(entry: Mapping[str, Any]) -> datetime | None:
    """The `at` of a JSON log entry as an aware datetime (None when missing or unreadable)."""
    raw = entry.get("at")
    if not isinstance(raw, str):
        return None
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def value_entries(log: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The entries of a value log that are value delivered (not promises)."""
    return [e for e in log if e.get("kind") in VALUE_KINDS]


def value_delivered(log: Sequence[Mapping[str, Any]], *, now: datetime) -> Component:
    """Newest entry 8 points, every older one 6, each halved per 60 days of age; capped at 20."""
    dated = []
    for entry in value_entries(log):
        at = parse_at(entry)
        age = max(0.0, (now - at) / timedelta(days=1)) if at else 0.0
        dated.append(age)
    if not dated:
        return Component(0, "no value delivered yet")
    dated.sort()
    total = sum((8 if i == 0 else 6) * 0.5 ** (age / VALUE_HALF_LIFE_DAYS) for i, age in enumerate(dated))
    value = clamp20(total)
    return Component(value, f"{len(dated)} value entries, newest {dated[0]:.0f} days ago (half-life 60 days)")


def reliability(log: Sequence[Mapping[str, Any]]) -> Component:
    """Promises kept / promises made x 20; 10 when no promise was made."""
    made = sum(1 for e in log if e.get("kind") == "promise")
    kept = sum(1 for e in log if e.get("kind") == "promise_kept")
    if made == 0:
        return Component(10, "no promises made yet (neutral 10)")
    value = clamp20(20 * min(1.0, kept / made))
    return Component(value, f"kept {kept} of {made} promises")


def consent(consent_kinds: frozenset[str], trust_signals: Sequence[Mapping[str, Any]]) -> Component:
    """Opt-in 6, asked for help 6, yes to an offer 8 (each once), each trust signal 4; capped at 20."""
    events = sorted(k for k in consent_kinds if k in CONSENT_POINTS)
    trust = [t for t in trust_signals if t.get("kind") in TRUST_KINDS]
    total = sum(CONSENT_POINTS[k] for k in events) + TRUST_POINTS * len(trust)
    value = clamp20(total)
    if not events and not trust:
        return Component(0, "no consent events or trust signals")
    shown = ", ".join(events) or "no consent events"
    return Component(value, f"{shown}; {len(trust)} trust signals")


@dataclass(frozen=True)
class Components:
    """The six components with reasons, and the weighted score."""

    items: Mapping[str, Component]

    @property
    def score(self) -> int:
        """round(5 x Σ weight x component): 0..100."""
        return relationship_score({name: c.value for name, c in self.items.items()})

    def values(self) -> dict[str, int]:
        """Component name -> value."""
        return {name: c.value for name, c in self.items.items()}

    def reasons(self) -> dict[str, str]:
        """Component name -> reason."""
        return {name: c.reason for name, c in self.items.items()}


def relationship_score(values: Mapping[str, int]) -> int:
    """round(5 x (0.20·recency + 0.20·resonance + 0.15·need_clarity + 0.20·value + 0.15·reliability
    + 0.10·consent)), half up, within 0..100."""
    weighted = sum(WEIGHTS[name] * values[name] for name in COMPONENTS)
    # Weighted sums of whole numbers land on multiples of 0.05; round away float noise before rounding.
    return max(0, min(100, round_half_up(round(5 * weighted, 6))))


def fast_components(facts: ContactFacts, *, now: datetime) -> Components:
    """The same values as :func:`components` without building the reasons (bulk recompute reads only values);
    the contacts with nothing recorded beyond their messages skip the recording-based rules outright."""
    m = facts.messages
    if any(facts.context.values()) or facts.value_log or facts.trust_signals or facts.consent_kinds:
        return components(facts, now=now)
    return Components(
        {
            "recency": Component(recency_value(m.last_meaningful_touch, now=now), ""),
            "resonance": Component(resonance_value(m), ""),
            "need_clarity": _NO_CONTEXT,
            "value_delivered": _NO_VALUE,
            "reliability": _NO_PROMISES,
            "consent_level": _NO_CONSENT,
        }
    )


def components(facts: ContactFacts, *, now: datetime) -> Components:
    """All six components of a contact at `now`."""
    return Components(
        {
            "recency": recency(facts.messages.last_meaningful_touch, now=now),
            "resonance": resonance(facts.messages),
            "need_clarity": need_clarity(facts.context),
            "value_delivered": value_delivered(facts.value_log, now=now),
            "reliability": reliability(facts.value_log),
            "consent_level": consent(facts.consent_kinds, facts.trust_signals),
        }
    )


_NO_CONTEXT = need_clarity({})
_NO_VALUE = value_delivered((), now=datetime(2000, 1, 1, tzinfo=UTC))
_NO_PROMISES = reliability(())
_NO_CONSENT = consent(frozenset(), ())
