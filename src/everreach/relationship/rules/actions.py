"""Next best action (DESIGN.md §3 v2): open loops first, then up to three lane templates, deterministic.

1. Their last meaningful message asks a question and nothing of yours came after it: "answer them".
2. A promise of yours not kept (still open, or its 14 days are up): "deliver what you promised", naming it.
3. Lane templates as in v1: those whose stage label matches the contact's stage before those labelled 'any'
   (by action_key within each), none used with this contact in the last 30 days, the `___` blank filled from
   the context card (a template whose blank cannot be filled is left out).
At most three in all. Nothing at all while a message to the contact is pending or scheduled.

Template stage labels: first_touch -> context; context_captured .. trust_signals -> micro_win; fit_repeats,
permissioned_offer and post_win -> themselves; every contact in the rewarm lane -> cold. The blank takes the
field named by the template's metadata {"fill": FIELD}, else one chosen from the wording ("win looks like" ->
their_definition_of_win; "hard part", "helped me with", "solved", "mentioned", "next step for", "stuck on" ->
current_friction; anything else -> what_theyre_building).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from everreach.relationship.rules.evidence import PromiseOutcome
from everreach.relationship.rules.inputs import CONTEXT_FIELDS, LoggedEvent, MessageFacts, Template, UserRecords
from everreach.relationship.rules.lanes import TEMPLATE_USED
from everreach.relationship.rules.numbers import short_date

BLANK = "___"
MAX_ACTIONS = 3
TEMPLATE_COOLDOWN = timedelta(days=30)
STAGE_LABELS: Mapping[str, str] = {
    "first_touch": "context",
    "context_captured": "micro_win",
    "micro_win_delivered": "micro_win",
    "cadence_established": "micro_win",
    "trust_signals": "micro_win",
    "fit_repeats": "fit_repeats",
    "permissioned_offer": "permissioned_offer",
    "post_win": "post_win",
}
_FILL_HINTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("win looks like", "definition of win", "a win"), "their_definition_of_win"),
    (("hard part", "helped me with", "solved", "mentioned", "next step for", "stuck on"), "current_friction"),
)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One next best action: what to send or do, why, and the messages it answers."""

    action_key: str
    lane: str
    stage: str
    text: str
    reason: str
    message_ids: tuple[str, ...] = ()


def unanswered_question(messages: Sequence[MessageFacts], *, now: datetime) -> MessageFacts | None:
    """Their last meaningful message when it is a question with no meaningful message of yours after it."""
    touches = sorted((m for m in messages if m.touch and m.sent_at <= now), key=lambda m: m.sent_at)
    if touches and not touches[-1].is_outbound and touches[-1].question:
        return touches[-1]
    return None


def open_loops(
    messages: Sequence[MessageFacts], outcomes: Sequence[PromiseOutcome], *, lane: str, stage: str, now: datetime
) -> list[Suggestion]:
    """The open loops: an unanswered question of theirs, then every promise not kept (newest first)."""
    out = []
    question = unanswered_question(messages, now=now)
    if question is not None:
        out.append(Suggestion("answer_question", lane, stage, f"answer them: “{question.excerpt}”",
                              f"their last message, on {short_date(question.sent_at)}, asks you something "
                              "and has no reply", (question.id,)))  # fmt: skip
    unkept = [o for o in outcomes if o.promise.counts and o.state != "kept"]
    for o in sorted(unkept, key=lambda o: o.promise.at, reverse=True):
        when = f"due {short_date(o.due)}" if o.state == "open" else f"{(now - o.due).days} days past the 14 you had"
        out.append(Suggestion("deliver_promise", lane, stage, f"deliver what you promised: “{o.promise.excerpt}”",
                              f"you promised it on {short_date(o.promise.at)} and have not sent it yet ({when})",
                              (o.promise.message_id,)))  # fmt: skip
    return out


def stage_label(stage: str | None, lane: str) -> str:
    """The template stage label for a contact stage (every rewarm-lane contact is 'cold')."""
    if lane == "rewarm":
        return "cold"
    return STAGE_LABELS.get(stage or "first_touch", "context")


def fill_field(template: Template) -> str | None:
    """Which context field fills the template's blank (None when it has no blank)."""
    if BLANK not in template.action_text:
        return None
    explicit = template.metadata.get("fill") if template.metadata else None
    if isinstance(explicit, str) and explicit in CONTEXT_FIELDS:
        return explicit
    lowered = template.action_text.lower()
    for hints, name in _FILL_HINTS:
        if any(h in lowered for h in hints):
            return name
    return "what_theyre_building"


def recently_used(events: Iterable[LoggedEvent], *, now: datetime) -> set[tuple[str, str]]:
    """(lane, action_key) of the templates used with the contact in the last 30 days."""
    used = set()
    for e in events:
        if e.kind == TEMPLATE_USED and now - TEMPLATE_COOLDOWN <= e.at <= now and "/" in e.detail:
            lane, key = e.detail.split("/", 1)
            used.add((lane, key))
    return used


def pick_templates(
    templates: Iterable[Template], *, lane: str, stage: str | None, context: Mapping[str, str | None],
    used: set[tuple[str, str]], lane_reason: str = "", limit: int = MAX_ACTIONS,
) -> list[Suggestion]:  # fmt: skip
    """Up to `limit` filled templates of the lane, deterministic for the same inputs."""
    label = stage_label(stage, lane)
    ranked = []
    for t in templates:
        if t.lane != lane or (t.lane, t.action_key) in used:
            continue
        t_label = (t.stage or "any").strip() or "any"
        if t_label in (label, "any"):
            ranked.append((0 if t_label == label else 1, t.action_key, t))
    ranked.sort(key=lambda item: (item[0], item[1]))
    out: list[Suggestion] = []
    for rank, _, t in ranked:
        if len(out) == limit:
            break
        name = fill_field(t)
        text = t.action_text
        why = [f"lane {lane}" + (f" ({lane_reason})" if lane_reason else "")]
        why.append(f"made for stage {label}" if rank == 0 else "fits any stage")
        if name is not None:
            value = (context.get(name) or "").strip().rstrip(".!?;,").strip()
            if not value:
                continue
            text = text.replace(BLANK, value)
            why.append(f"filled from {name.replace('_', ' ')}")
        why.append("not used with them in 30 days")
        out.append(Suggestion(t.action_key, t.lane, t.stage or "any", text, "; ".join(why)))
    return out


def next_actions(
    messages: Sequence[MessageFacts], records: UserRecords, outcomes: Sequence[PromiseOutcome],
    templates: Iterable[Template], *, lane: str, stage: str, now: datetime, lane_reason: str = "",
) -> list[Suggestion]:  # fmt: skip
    """The top three next best actions of one contact; none while a message to them is pending or scheduled."""
    if records.open_message:
        return []
    loops = open_loops(messages, outcomes, lane=lane, stage=stage, now=now)[:MAX_ACTIONS]
    room = MAX_ACTIONS - len(loops)
    if room == 0:
        return loops
    used = recently_used(records.events, now=now)
    return loops + pick_templates(
        templates, lane=lane, stage=stage, context=records.context, used=used, lane_reason=lane_reason, limit=room
    )
