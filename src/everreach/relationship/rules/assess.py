"""One contact through every v2 rule: evidence, components, score, stage, lane, cadence, actions and coach.

`standing` runs the rules whose results recompute stores; `assess` adds what a person reads on the contact page
(context-card suggestions, next best actions, coach notes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime

from everreach.relationship.rules.actions import Suggestion, next_actions
from everreach.relationship.rules.cadence import Cadence, cadence
from everreach.relationship.rules.coach import CoachNote, coach
from everreach.relationship.rules.components import (
    Component,
    ContextSuggestion,
    consent,
    context_suggestions,
    need_clarity,
    recency,
    relationship_score,
    reliability,
    value_delivered,
)
from everreach.relationship.rules.evidence import Evidence, PromiseOutcome, infer, promise_outcomes
from everreach.relationship.rules.inputs import MessageFacts, Template, UserRecords
from everreach.relationship.rules.lanes import LaneDecision, lane, three_to_one_met, touches_3_to_1
from everreach.relationship.rules.resonance import resonance
from everreach.relationship.rules.stages import StageStep, advance


@dataclass(frozen=True)
class Standing:
    """What recompute stores of one contact: evidence, components, score, stage, lane and cadence."""

    evidence: tuple[Evidence, ...]
    outcomes: tuple[PromiseOutcome, ...]
    components: Mapping[str, Component]
    score: int
    stage: str
    steps: tuple[StageStep, ...]
    lane: LaneDecision
    ratio_met: bool
    cadence: Cadence

    def values(self) -> dict[str, int]:
        """Component name -> value."""
        return {name: c.value for name, c in self.components.items()}


@dataclass(frozen=True)
class Assessment(Standing):
    """Everything the rules say about one contact at one moment: the standing, and what to do about it."""

    suggestions: tuple[ContextSuggestion, ...]
    actions: tuple[Suggestion, ...]
    coach: tuple[CoachNote, ...]


def _ordered(messages: Sequence[MessageFacts], now: datetime) -> list[MessageFacts]:
    return sorted((m for m in messages if m.sent_at <= now), key=lambda m: m.sent_at)


def standing(messages: Sequence[MessageFacts], records: UserRecords, *, now: datetime) -> Standing:
    """The stored part of the rules for one contact at `now` (no suggestions, actions or coach)."""
    return _standing(_ordered(messages, now), records, now=now)


def _standing(ordered: Sequence[MessageFacts], records: UserRecords, *, now: datetime) -> Standing:
    items = infer(ordered, records, now=now)
    outcomes = promise_outcomes(ordered, records, now=now)
    comps = {
        "recency": recency(ordered, now=now),
        "resonance": resonance(ordered, now=now),
        "need_clarity": need_clarity(records, items),
        "value_delivered": value_delivered(records, items, now=now),
        "reliability": reliability(records, outcomes),
        "consent_level": consent(records, items),
    }
    score = relationship_score({name: c.value for name, c in comps.items()})
    steps = advance(need_clarity=comps["need_clarity"].value, messages=ordered, records=records, items=items, now=now)
    stage = steps[-1].stage if steps else (records.stage or "first_touch")
    value_touches, offer_touches = touches_3_to_1(ordered, records, items, outcomes)
    ratio = three_to_one_met(value_touches, offer_touches)
    decision = lane(stage, score=score, consent_level=comps["consent_level"].value, ratio_met=ratio)
    return Standing(
        evidence=tuple(items),
        outcomes=tuple(outcomes),
        components=comps,
        score=score,
        stage=stage,
        steps=tuple(steps),
        lane=decision,
        ratio_met=ratio,
        cadence=cadence(ordered, now=now, keep_in_touch_days=records.keep_in_touch_days),
    )


def assess(
    messages: Sequence[MessageFacts], records: UserRecords, *, now: datetime, templates: Iterable[Template] = ()
) -> Assessment:
    """Run every rule over one contact's messages and records at `now`."""
    ordered = _ordered(messages, now)
    s = _standing(ordered, records, now=now)
    actions = next_actions(
        ordered, records, s.outcomes, templates, lane=s.lane.lane, stage=s.stage, now=now, lane_reason=s.lane.reason
    )
    return Assessment(
        **{f.name: getattr(s, f.name) for f in fields(Standing)},
        suggestions=tuple(context_suggestions(records, s.evidence)),
        actions=tuple(actions),
        coach=tuple(coach(ordered, records, s.evidence, s.outcomes, now=now)),
    )
