"""Stages, lanes and the 3:1 rule (DESIGN.md §3): pure rules over a contact's facts and components.

Stages advance automatically one step at a time, each step only when its own evidence holds, and never go
backwards on their own; `permissioned_offer` and `post_win` come only from explicit events (a yes to an
offer, a recorded purchase), and the user may set any stage by hand (`service.set_stage`).
"""

from __future__ import annotations

from dataclasses import dataclass

from everreach.db.models import STAGES
from everreach.relationship.scoring import Components, ContactFacts, value_entries

AUTO_STAGES = STAGES[:6]  # first_touch .. fit_repeats
OFFER_STAGES = ("fit_repeats", "permissioned_offer")
CONTEXT_THRESHOLD = 12
CADENCE_WEEKS = 3


def stage_index(stage: str | None) -> int:
    """Position of a stage in the ladder; an unknown or empty stage counts as first_touch."""
    return STAGES.index(stage) if stage in STAGES else 0


def _evidence(stage: str, facts: ContactFacts, comps: Components) -> str | None:
    """Why the contact qualifies for `stage`, or None when the evidence is not there."""
    m = facts.messages
    if stage == "context_captured":
        clarity = comps.items["need_clarity"].value
        return f"need clarity {clarity} >= {CONTEXT_THRESHOLD}" if clarity >= CONTEXT_THRESHOLD else None
    if stage == "micro_win_delivered":
        n = len(value_entries(facts.value_log))
        return f"{n} value delivered" if n else None
    if stage == "cadence_established":
        ok = m.cadence_weeks >= CADENCE_WEEKS and m.cadence_inbound and m.cadence_outbound
        return f"meaningful touches in {m.cadence_weeks} distinct weeks of the last 60 days, both ways" if ok else None
    if stage == "trust_signals":
        n = len(facts.trust_signals)
        return f"{n} trust signals" if n else None
    if stage == "fit_repeats":
        sig = facts.fit_repeat_signal
        return f"fit signal {sig} seen on 2 or more days" if sig else None
    return None


def advance(current: str | None, facts: ContactFacts, comps: Components) -> list[tuple[str, str]]:
    """The automatic steps from `current`: [(new stage, reason), ...], in order; empty when none.

    From a stage past fit_repeats (set by an event or the user) nothing is automatic.
    """
    steps: list[tuple[str, str]] = []
    idx = stage_index(current)
    while idx + 1 < len(AUTO_STAGES):
        nxt = AUTO_STAGES[idx + 1]
        reason = _evidence(nxt, facts, comps)
        if reason is None:
            break
        steps.append((nxt, reason))
        idx += 1
    return steps


def value_touches(facts: ContactFacts) -> int:
    """Relationship/value touches for the 3:1 rule: value delivered, promises kept, non-offer templates."""
    kept = sum(1 for e in facts.value_log if e.get("kind") == "promise_kept")
    return len(value_entries(facts.value_log)) + kept + facts.template_value_touches


def offer_ready(stage: str | None, consent_level: int, facts: ContactFacts) -> bool:
    """In the offer lane: an offer stage, trust or consent (consent_level > 0), and the 3:1 rule met."""
    return stage in OFFER_STAGES and consent_level > 0 and three_to_one_met(facts)


def three_to_one_met(facts: ContactFacts) -> bool:
    """The 3:1 rule: one more offer keeps three relationship/value touches per offer touch.

    value touches = value-log entries of kind link/intro/template/feedback/resource + promise_kept entries +
    templates used from a non-offer lane; offer touches = templates used from the offer lane. The rule is met
    when value_touches >= 3 x (offer_touches + 1): the first offer needs three value touches before it, the
    second six, and so on.
    """
    return value_touches(facts) >= 3 * (facts.offer_touches + 1)


@dataclass(frozen=True)
class LaneDecision:
    """The lane a contact is in, and why."""

    lane: str
    reason: str


def lane(stage: str | None, *, score: int, consent_level: int, ratio_met: bool) -> LaneDecision:
    """post_win → retention; fit_repeats/permissioned_offer with trust and 3:1 → offer; then by score."""
    if stage == "post_win":
        return LaneDecision("retention", "after a purchase: keep helping")
    if stage in OFFER_STAGES:
        if consent_level > 0 and ratio_met:
            return LaneDecision("offer", f"{stage} with trust and the 3:1 rule met")
        missing = "no trust or consent yet" if consent_level <= 0 else "3:1 rule not met"
        fallback = lane(None, score=score, consent_level=consent_level, ratio_met=ratio_met)
        return LaneDecision(fallback.lane, f"{fallback.reason} (offer held back: {missing})")
    if score >= 80:
        return LaneDecision("friendship", f"score {score} >= 80")
    if score >= 40:
        return LaneDecision("service", f"score {score} in 40-79")
    return LaneDecision("rewarm", f"score {score} < 40")


def lane_for(stage: str | None, facts: ContactFacts, comps: Components) -> LaneDecision:
    """The lane from a contact's facts and components."""
    return lane(
        stage,
        score=comps.score,
        consent_level=comps.items["consent_level"].value,
        ratio_met=three_to_one_met(facts),
    )
