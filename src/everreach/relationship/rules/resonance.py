"""Resonance (DESIGN.md §3 v2): the depth of their meaningful messages and their 72-hour reply rate, with every
message weighted 0.5^(age / 180 days), so a deep friendship gone quiet keeps part of it.

    resonance = min(4, Σw) + min(4, Σw·min(length, 500) / 100) + min(3, Σw·question)
              + min(3, Σw·self-disclosure) + min(2, Σw·emotion) + 4 x (Σw replied / Σw sent)

The first five sums run over their meaningful messages; the reply rate over the owner's meaningful,
person-written messages, one of which is *replied* when a meaningful message of theirs follows within 72 hours.
Every term only grows with another message of theirs, so an inbound reply never lowers resonance.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from everreach.relationship.rules.components import Component
from everreach.relationship.rules.decay import RESONANCE_HALF_LIFE, decay_factor
from everreach.relationship.rules.inputs import MessageFacts
from everreach.relationship.rules.numbers import age_days, clamp20, half_life_weight

REPLY_WINDOW = timedelta(hours=72)
MAX_CHARS = 500
CAPS = (("inbound", 4.0, 1.0), ("chars", 4.0, 0.01), ("questions", 3.0, 1.0),
        ("disclosures", 3.0, 1.0), ("emotions", 2.0, 1.0))  # fmt: skip
REPLY_POINTS = 4.0


@dataclass(frozen=True, slots=True)
class ResonanceSums:
    """The sums resonance is computed from; per message unweighted terms, per contact decayed sums."""

    inbound: float = 0.0  # their meaningful messages
    chars: float = 0.0  # their characters, each message counted up to 500
    questions: float = 0.0
    disclosures: float = 0.0
    emotions: float = 0.0
    sent: float = 0.0  # the owner's meaningful, person-written messages
    replied: float = 0.0  # of those, answered within 72 hours

    def scaled(self, weight: float) -> ResonanceSums:
        """Every sum times `weight`."""
        return ResonanceSums(*(getattr(self, f.name) * weight for f in fields(self)))

    def plus(self, other: ResonanceSums) -> ResonanceSums:
        """The sums of two sets of messages."""
        return ResonanceSums(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


def resonance_terms(m: MessageFacts, *, replied: bool = False) -> ResonanceSums:
    """What one message adds to the sums before its age weight (the writer stores these per message)."""
    if not m.touch:
        return ResonanceSums()
    if m.is_outbound:
        return ResonanceSums(sent=1.0, replied=1.0 if replied else 0.0)
    return ResonanceSums(
        inbound=1.0,
        chars=float(min(MAX_CHARS, m.length)),
        questions=float(m.question),
        disclosures=float(m.self_disclosure),
        emotions=float(m.emotion),
    )


def replied_ids(messages: Sequence[MessageFacts]) -> set[str]:
    """The owner's meaningful messages that got a meaningful message of theirs within 72 hours after."""
    theirs = sorted(m.sent_at for m in messages if not m.is_outbound and m.touch)
    out = set()
    for m in messages:
        if m.is_outbound and m.touch:
            i = bisect_left(theirs, m.sent_at)
            if i < len(theirs) and theirs[i] <= m.sent_at + REPLY_WINDOW:
                out.add(m.id)
    return out


def resonance_sums(messages: Sequence[MessageFacts], *, now: datetime) -> ResonanceSums:
    """The decayed sums over every message up to `now` (direct form): Σ resonance_terms(m) x its age weight.

    Written as plain running sums (no ResonanceSums per message): recompute runs this for every contact.
    """
    shown = [m for m in messages if m.sent_at <= now and m.touch]
    replied = replied_ids(shown)
    inbound = chars = questions = disclosures = emotions = sent = answered = 0.0
    for m in shown:
        weight = half_life_weight(age_days(m.sent_at, now=now), RESONANCE_HALF_LIFE)
        if m.is_outbound:
            sent += weight
            if m.id in replied:
                answered += weight
            continue
        inbound += weight
        chars += weight * min(MAX_CHARS, m.length)
        questions += weight * m.question
        disclosures += weight * m.self_disclosure
        emotions += weight * m.emotion
    return ResonanceSums(inbound, chars, questions, disclosures, emotions, sent, answered)


def resonance_value(s: ResonanceSums) -> int:
    """Resonance 0..20 from the decayed sums."""
    depth = sum(min(cap, getattr(s, name) * scale) for name, cap, scale in CAPS)
    rate = REPLY_POINTS * min(1.0, s.replied / s.sent) if s.sent > 0 else 0.0
    return clamp20(depth + rate)


def resonance(messages: Sequence[MessageFacts], *, now: datetime) -> Component:
    """Resonance with its reason."""
    s = resonance_sums(messages, now=now)
    value = resonance_value(s)
    if s.inbound <= 0 and s.sent <= 0:
        return Component(value, "no real conversation yet")
    answers = "no messages of yours"
    if s.sent > 0:
        answers = f"they answer {100 * s.replied / s.sent:.0f}% of yours within 72 hours"
    reason = (
        f"their messages weigh {s.inbound:.1f} (halved per 180 days), {s.questions:.1f} with questions, "
        f"{s.disclosures:.1f} about themselves, {s.emotions:.1f} with feelings; {answers}"
    )
    return Component(value, reason)


def resonance_from_stored(stored: ResonanceSums, *, now: datetime) -> int:
    """Resonance at `now` from per-contact sums of `resonance_terms(m) x growth_term(1, m.sent_at, 180)`."""
    return resonance_value(stored.scaled(decay_factor(now, RESONANCE_HALF_LIFE)))
