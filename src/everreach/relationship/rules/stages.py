"""Stages (DESIGN.md §3 v2): advanced from the evidence, one step at a time, never backwards except by the user.

context_captured (need clarity >= 12) -> micro_win_delivered (a value delivered) -> cadence_established
(meaningful touches in >= 3 distinct weeks of the last 60 days, both directions) -> trust_signals (a trust
signal) -> fit_repeats (the same fit signal of theirs on >= 2 distinct UTC days); each step only when its own
evidence holds. permissioned_offer (a yes answering the owner's offer within 7 days, or a logged yes) and
post_win (a logged purchase) come straight from the event, from any earlier stage. After the user moves a
contact back, nothing is automatic until a new event (one after that move) arrives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from everreach.relationship.rules.evidence import OFFER_YES, Evidence, counting
from everreach.relationship.rules.inputs import MessageFacts, UserRecords
from everreach.relationship.rules.numbers import short_date

STAGES = (
    "first_touch",
    "context_captured",
    "micro_win_delivered",
    "cadence_established",
    "trust_signals",
    "fit_repeats",
    "permissioned_offer",
    "post_win",
)
AUTO_STAGES = STAGES[:6]
CONTEXT_THRESHOLD = 12
CADENCE_WINDOW = timedelta(days=60)
CADENCE_WEEKS = 3
FIT_DAYS = 2


@dataclass(frozen=True, slots=True)
class StageStep:
    """One stage change: the new stage, why, and the messages that show it."""

    stage: str
    reason: str
    message_ids: tuple[str, ...] = ()


def stage_index(stage: str | None) -> int:
    """Position of a stage in the ladder; an unknown or empty stage counts as first_touch."""
    return STAGES.index(stage) if stage in STAGES else 0


def cadence_weeks(messages: Sequence[MessageFacts], *, now: datetime) -> tuple[int, bool, bool, tuple[str, ...]]:
    """(distinct weeks with a meaningful touch in the last 60 days, any of theirs, any of yours, message ids)."""
    touches = [m for m in messages if m.touch and now - CADENCE_WINDOW <= m.sent_at <= now]
    weeks = {int((now - m.sent_at) / timedelta(weeks=1)) for m in touches}
    inbound = any(not m.is_outbound for m in touches)
    outbound = any(m.is_outbound for m in touches)
    return len(weeks), inbound, outbound, tuple(m.id for m in touches)


def fit_repeat(messages: Sequence[MessageFacts], *, now: datetime) -> tuple[str, tuple[str, ...]] | None:
    """The first fit signal (by key) of theirs seen on >= 2 distinct UTC days, with its messages; else None."""
    days: dict[str, set[object]] = {}
    ids: dict[str, list[str]] = {}
    for m in sorted(messages, key=lambda x: x.sent_at):
        if m.is_outbound or m.sent_at > now:
            continue
        for signal in m.fit_signals:
            days.setdefault(signal, set()).add(m.sent_at.date())
            ids.setdefault(signal, []).append(m.id)
    for signal in sorted(days):
        if len(days[signal]) >= FIT_DAYS:
            return signal, tuple(ids[signal])
    return None


def _ids(items: Sequence[Evidence]) -> tuple[str, ...]:
    return tuple(e.message_id for e in items)


def evidence_for(
    stage: str, *, need_clarity: int, messages: Sequence[MessageFacts], records: UserRecords,
    items: Sequence[Evidence], now: datetime,
) -> StageStep | None:  # fmt: skip
    """The step to `stage` when its own evidence holds, else None."""
    if stage == "context_captured":
        inferred = counting(items, "project") + counting(items, "friction")
        ok = need_clarity >= CONTEXT_THRESHOLD
        reason = f"need clarity {need_clarity} of at least {CONTEXT_THRESHOLD}"
        return StageStep(stage, reason, _ids(inferred)) if ok else None
    if stage == "micro_win_delivered":
        inferred = counting(items, "value_delivered")
        logged = sum(1 for e in records.value_log if e.kind in ("link", "intro", "template", "feedback", "resource"))
        n = len(inferred) + logged
        return StageStep(stage, f"value delivered {n} time{'s' if n != 1 else ''}", _ids(inferred)) if n else None
    if stage == "cadence_established":
        weeks, inbound, outbound, ids = cadence_weeks(messages, now=now)
        ok = weeks >= CADENCE_WEEKS and inbound and outbound
        reason = f"talked in {weeks} different weeks of the last 60 days, both ways"
        return StageStep(stage, reason, ids) if ok else None
    if stage == "trust_signals":
        inferred = counting(items, "trust")
        n = len(inferred) + len(records.trust_log)
        return StageStep(stage, f"{n} sign{'s' if n != 1 else ''} of trust", _ids(inferred)) if n else None
    if stage == "fit_repeats":
        repeat = fit_repeat(messages, now=now)
        if repeat is None:
            return None
        return StageStep(stage, f"the same need ({repeat[0]}) came up on {FIT_DAYS} or more days", repeat[1])
    return None


def event_step(records: UserRecords, items: Sequence[Evidence]) -> StageStep | None:
    """The furthest event stage on record (after the user's last move back, if any), else None."""
    after = records.pinned_at
    purchases = [e for e in records.events if e.kind == "purchase" and (after is None or e.at > after)]
    if purchases:
        last = max(purchases, key=lambda e: e.at)
        return StageStep("post_win", f"bought {last.detail or 'from you'} on {short_date(last.at)}")
    yeses = [e for e in counting(items, "consent") if e.detail == OFFER_YES and (after is None or e.at > after)]
    logged = [e for e in records.events if e.kind == "consent_offer_yes" and (after is None or e.at > after)]
    if yeses:
        return StageStep("permissioned_offer", f"said yes to your offer on {short_date(yeses[0].at)}", _ids(yeses[:1]))
    if logged:
        return StageStep("permissioned_offer", f"said yes to an offer on {short_date(logged[0].at)}")
    return None


def advance(
    *, need_clarity: int, messages: Sequence[MessageFacts], records: UserRecords, items: Sequence[Evidence],
    now: datetime,
) -> list[StageStep]:  # fmt: skip
    """The steps from the stored stage (records.stage), in order; empty when the contact stays put."""
    steps: list[StageStep] = []
    idx = stage_index(records.stage)
    if records.pinned_at is None:
        while idx + 1 < len(AUTO_STAGES):
            step = evidence_for(
                AUTO_STAGES[idx + 1], need_clarity=need_clarity, messages=messages, records=records, items=items,
                now=now,
            )  # fmt: skip
            if step is None:
                break
            steps.append(step)
            idx += 1
    event = event_step(records, items)
    if event is not None and STAGES.index(event.stage) > idx:
        steps.append(event)
    return steps
