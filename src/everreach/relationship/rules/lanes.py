"""Lanes and the 3:1 rule (DESIGN.md §3 v2).

post_win -> retention; fit_repeats or permissioned_offer, with trust (consent above 0) and the 3:1 rule met ->
offer; then by score: >= 80 friendship, 40-79 service, < 40 rewarm.

The 3:1 rule: value touches (value delivered, logged or inferred; promises kept, logged or inferred; templates
used from a non-offer lane) must be at least 3 x (offer touches + 1), where offer touches are the owner's offer
messages and templates used from the offer lane: the first offer needs three value touches before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from everreach.relationship.rules.components import VALUE_KINDS
from everreach.relationship.rules.evidence import Evidence, PromiseOutcome, counting
from everreach.relationship.rules.inputs import MessageFacts, UserRecords

OFFER_STAGES = ("fit_repeats", "permissioned_offer")
TEMPLATE_USED = "template_used"
RATIO = 3
#: The lowest score of the friendship and the service lane (below: rewarm).
FRIENDSHIP_MIN, SERVICE_MIN = 80, 40


@dataclass(frozen=True, slots=True)
class LaneDecision:
    """The lane a contact is in, and why."""

    lane: str
    reason: str


def offer_messages(messages: Sequence[MessageFacts]) -> list[MessageFacts]:
    """The owner's own offer messages (a pitch), oldest first."""
    return sorted((m for m in messages if m.owner_written and "offer" in m.intents), key=lambda m: m.sent_at)


def touches_3_to_1(
    messages: Sequence[MessageFacts], records: UserRecords, items: Sequence[Evidence],
    outcomes: Sequence[PromiseOutcome],
) -> tuple[int, int]:  # fmt: skip
    """(value touches, offer touches) for the 3:1 rule."""
    templates = [e.detail for e in records.events if e.kind == TEMPLATE_USED]
    offer_templates = sum(1 for d in templates if d.startswith("offer/"))
    value = (
        sum(1 for e in records.value_log if e.kind in VALUE_KINDS or e.kind == "promise_kept")
        + len(counting(items, "value_delivered"))
        + sum(1 for o in outcomes if o.state == "kept" and o.promise.counts)
        + len(templates)
        - offer_templates
    )
    return value, offer_templates + len(offer_messages(messages))


def three_to_one_met(value_touches: int, offer_touches: int) -> bool:
    """One more offer keeps three value touches per offer touch."""
    return value_touches >= RATIO * (offer_touches + 1)


def lane(stage: str | None, *, score: int, consent_level: int, ratio_met: bool) -> LaneDecision:
    """The lane from the stage, the score, consent and the 3:1 rule."""
    if stage == "post_win":
        return LaneDecision("retention", "after a purchase: keep helping")
    if stage in OFFER_STAGES:
        if consent_level > 0 and ratio_met:
            return LaneDecision("offer", f"{stage.replace('_', ' ')} with trust and the 3:1 rule met")
        missing = "no trust or consent yet" if consent_level <= 0 else "3:1 rule not met"
        fallback = lane(None, score=score, consent_level=consent_level, ratio_met=ratio_met)
        return LaneDecision(fallback.lane, f"{fallback.reason} (offer held back: {missing})")
    if score >= FRIENDSHIP_MIN:
        return LaneDecision("friendship", f"score {score} of at least {FRIENDSHIP_MIN}")
    if score >= SERVICE_MIN:
        return LaneDecision("service", f"score {score} between {SERVICE_MIN} and {FRIENDSHIP_MIN - 1}")
    return LaneDecision("rewarm", f"score {score} below {SERVICE_MIN}")
