"""Five of the six score components (resonance has its own module) and the 0-100 score (DESIGN.md §3 v2).

Each component is a whole number 0..20, rounded half up, with a sentence that explains it; the score is computed
from those whole numbers so a person can check it by hand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from everreach.relationship.rules.decay import RECENCY_HALF_LIFE, VALUE_HALF_LIFE, decay_factor
from everreach.relationship.rules.evidence import OFFER_YES, Evidence, PromiseOutcome, counting
from everreach.relationship.rules.inputs import CONTEXT_FIELDS, MessageFacts, UserRecords
from everreach.relationship.rules.numbers import age_days, clamp20, half_life_weight, round_half_up

COMPONENTS = ("recency", "resonance", "need_clarity", "value_delivered", "reliability", "consent_level")
WEIGHTS: Mapping[str, float] = {
    "recency": 0.20,
    "resonance": 0.20,
    "need_clarity": 0.15,
    "value_delivered": 0.20,
    "reliability": 0.15,
    "consent_level": 0.10,
}
CONTEXT_POINTS: Mapping[str, int] = dict(zip(CONTEXT_FIELDS, (6, 6, 4, 2, 2), strict=True))
#: The card field an inferred describes_project / describes_friction item stands in for.
INFERRED_FIELDS: Mapping[str, str] = {"project": "what_theyre_building", "friction": "current_friction"}
VALUE_KINDS = ("link", "intro", "template", "feedback", "resource")
NEWEST_VALUE_POINTS, OTHER_VALUE_POINTS = 8, 6
NO_PROMISES = 10
CONSENT_POINTS: Mapping[str, int] = {"consent_opt_in": 6, "consent_asked_for_help": 6, "consent_offer_yes": 8}
#: Inferred consent detail -> the logged kind it counts as.
CONSENT_OF_DETAIL: Mapping[str, str] = {
    OFFER_YES: "consent_offer_yes",
    "says_yes": "consent_opt_in",
    "asks_for_help": "consent_asked_for_help",
}
TRUST_POINTS = 4
LOGGED_TRUST_KINDS = ("asks_opinion", "refers_others", "shares_updates")


@dataclass(frozen=True, slots=True)
class Component:
    """One component's value (0..20) and why."""

    value: int
    reason: str


def last_touch(messages: Sequence[MessageFacts], *, now: datetime) -> datetime | None:
    """The time of the last meaningful touch up to `now` (automated sends never count)."""
    return max((m.sent_at for m in messages if m.touch and m.sent_at <= now), default=None)


def recency_value(touch: datetime | None, *, now: datetime) -> int:
    """20 x 0.5^(days since the last meaningful touch / 14); 0 when there never was one."""
    if touch is None:
        return 0
    return clamp20(20 * half_life_weight(age_days(touch, now=now), RECENCY_HALF_LIFE))


def recency(messages: Sequence[MessageFacts], *, now: datetime) -> Component:
    """Recency with its reason."""
    touch = last_touch(messages, now=now)
    if touch is None:
        return Component(0, "no meaningful touch yet")
    days = age_days(touch, now=now)
    return Component(recency_value(touch, now=now), f"last meaningful touch {days:.1f} days ago (halves every 14 days)")


def need_clarity(records: UserRecords, items: Sequence[Evidence]) -> Component:
    """Card fields 6/6/4/2/2; an empty building or friction field counts when a suggestion stands in for it."""
    filled = [f for f in CONTEXT_FIELDS if records.card_value(f)]
    inferred = [
        field for kind, field in INFERRED_FIELDS.items()
        if field not in filled and counting(items, kind)
    ]  # fmt: skip
    known = [f for f in CONTEXT_FIELDS if f in filled or f in inferred]
    value = sum(CONTEXT_POINTS[f] for f in known)
    if not known:
        return Component(0, "context card empty and nothing inferred from their messages")
    parts = [f"knows {', '.join(f.replace('_', ' ') for f in filled)}"] if filled else []
    if inferred:
        parts.append(f"inferred from their messages: {', '.join(f.replace('_', ' ') for f in inferred)}")
    return Component(value, "; ".join(parts))


def value_ages(records: UserRecords, items: Sequence[Evidence], *, now: datetime) -> list[float]:
    """Ages in days of every value delivered: logged (undated entries count as today) and inferred."""
    logged = [age_days(e.at, now=now) if e.at else 0.0 for e in records.value_log if e.kind in VALUE_KINDS]
    inferred = [age_days(e.at, now=now) for e in counting(items, "value_delivered")]
    return sorted(logged + inferred)


def value_points(decayed_total: float, newest_weight: float) -> int:
    """8 for the newest and 6 for every other, each decayed: 6·Σ weights + 2·newest weight, capped at 20."""
    return clamp20(OTHER_VALUE_POINTS * decayed_total + (NEWEST_VALUE_POINTS - OTHER_VALUE_POINTS) * newest_weight)


def value_delivered(records: UserRecords, items: Sequence[Evidence], *, now: datetime) -> Component:
    """Value entries, logged or inferred, halved per 60 days of age: newest 8, every other 6, capped at 20."""
    ages = value_ages(records, items, now=now)
    if not ages:
        return Component(0, "no value delivered yet")
    weights = [half_life_weight(a, VALUE_HALF_LIFE) for a in ages]
    value = value_points(sum(weights), weights[0])
    return Component(value, f"{len(ages)} times value delivered, newest {ages[0]:.0f} days ago (half-life 60 days)")


def promise_counts(records: UserRecords, outcomes: Sequence[PromiseOutcome]) -> tuple[int, int]:
    """(kept, made): logged promises and promise_kept entries, plus inferred promises that are kept or broken
    (an open promise is not counted until its 14 days are up); dismissed promises never count."""
    live = [o for o in outcomes if o.promise.counts]
    made = sum(1 for e in records.value_log if e.kind == "promise") + sum(1 for o in live if o.state != "open")
    kept = sum(1 for e in records.value_log if e.kind == "promise_kept") + sum(1 for o in live if o.state == "kept")
    return kept, made


def reliability(records: UserRecords, outcomes: Sequence[PromiseOutcome]) -> Component:
    """Promises kept / promises made x 20; 10 when none was made."""
    kept, made = promise_counts(records, outcomes)
    if made == 0:
        return Component(NO_PROMISES, "no promises made yet (neutral 10)")
    return Component(clamp20(20 * min(1.0, kept / made)), f"kept {min(kept, made)} of {made} promises")


def consent_kinds(records: UserRecords, items: Sequence[Evidence]) -> set[str]:
    """The consent kinds on record: logged events and inferred consent items (each kind counts once)."""
    kinds = {e.kind for e in records.events if e.kind in CONSENT_POINTS}
    kinds |= {CONSENT_OF_DETAIL[e.detail] for e in counting(items, "consent") if e.detail in CONSENT_OF_DETAIL}
    return kinds


def trust_count(records: UserRecords, items: Sequence[Evidence]) -> int:
    """Trust signals: logged ones plus inferred ones that count."""
    return sum(1 for e in records.trust_log if e.kind in LOGGED_TRUST_KINDS) + len(counting(items, "trust"))


def consent(records: UserRecords, items: Sequence[Evidence]) -> Component:
    """Opt-in 6, asked for help 6, yes to an offer 8 (each once), each trust signal 4; capped at 20."""
    kinds = sorted(consent_kinds(records, items))
    trust = trust_count(records, items)
    if not kinds and not trust:
        return Component(0, "no consent or trust signals yet")
    value = clamp20(sum(CONSENT_POINTS[k] for k in kinds) + TRUST_POINTS * trust)
    shown = ", ".join(k.removeprefix("consent_").replace("_", " ") for k in kinds) or "no consent yet"
    return Component(value, f"{shown}; {trust} sign{'' if trust == 1 else 's'} of trust")


def relationship_score(values: Mapping[str, int]) -> int:
    """round(5 x (0.20·recency + 0.20·resonance + 0.15·need_clarity + 0.20·value + 0.15·reliability
    + 0.10·consent)), half up, within 0..100."""
    weighted = sum(WEIGHTS[name] * values[name] for name in COMPONENTS)
    # Weighted sums of whole numbers land on multiples of 0.05; round away float noise before rounding.
    return max(0, min(100, round_half_up(round(5 * weighted, 6))))


@dataclass(frozen=True, slots=True)
class ContextSuggestion:
    """A context-card field to fill, suggested from one of their messages."""

    field: str
    text: str
    evidence_id: str
    message_id: str


def context_suggestions(records: UserRecords, items: Sequence[Evidence]) -> list[ContextSuggestion]:
    """For each empty building / friction field, the newest counting project / friction item of theirs."""
    out = []
    for kind, field in INFERRED_FIELDS.items():
        found = counting(items, kind)
        if found and not records.card_value(field):
            newest = max(found, key=lambda e: e.at)
            out.append(ContextSuggestion(field, newest.excerpt, newest.id, newest.message_id))
    return out


def value_from_stored(stored: float, newest: datetime | None, *, now: datetime) -> int:
    """Value delivered at `now` from a per-contact Σ growth_term(1, t, 60) over its value items and the newest t."""
    if newest is None:
        return 0
    return value_points(
        stored * decay_factor(now, VALUE_HALF_LIFE), half_life_weight(age_days(newest, now=now), VALUE_HALF_LIFE)
    )
