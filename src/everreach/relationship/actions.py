"""Next best action (DESIGN.md §3): pick up to three templates of the contact's lane, pure and deterministic.

Order: templates whose stage label matches the contact's stage, then those labelled 'any' (or no label);
within each, by action_key. A template used with this contact in the last 30 days is left out, and so is a
template whose `___` blank cannot be filled from the context card.

Template stage labels map from contact stages: first_touch -> context; context_captured, micro_win_delivered,
cadence_established, trust_signals -> micro_win; fit_repeats, permissioned_offer and post_win -> themselves;
every contact in the rewarm lane -> cold.

The blank takes one context-card field: the template's metadata {"fill": FIELD} when given, otherwise a field
chosen from the wording ("win looks like" -> their_definition_of_win; "hard part", "helped me with",
"solved", "mentioned", "next step for" -> current_friction; anything else -> what_theyre_building).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from everreach.relationship.scoring import CONTEXT_POINTS

BLANK = "___"
MAX_ACTIONS = 3
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
CONTEXT_FIELDS = tuple(CONTEXT_POINTS)


@dataclass(frozen=True)
class Template:
    """A next_best_actions row as the picker needs it."""

    lane: str
    stage: str | None
    action_key: str
    action_text: str
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Suggestion:
    """A filled template and why it was picked."""

    action_key: str
    lane: str
    stage: str
    text: str
    reason: str


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


def _clean(value: str) -> str:
    return value.strip().rstrip(".!?;,").strip()


def pick(
    templates: Iterable[Template],
    *,
    lane: str,
    stage: str | None,
    context: Mapping[str, str | None],
    recently_used: Sequence[tuple[str, str]] = (),
    lane_reason: str = "",
) -> list[Suggestion]:
    """Up to three suggestions for a contact in `lane` at `stage`, deterministic for the same inputs."""
    label = stage_label(stage, lane)
    used = set(recently_used)
    ranked: list[tuple[int, str, Template]] = []
    for t in templates:
        if t.lane != lane or (t.lane, t.action_key) in used:
            continue
        t_label = (t.stage or "any").strip() or "any"
        if t_label == label:
            ranked.append((0, t.action_key, t))
        elif t_label == "any":
            ranked.append((1, t.action_key, t))
    ranked.sort(key=lambda item: (item[0], item[1]))
    out: list[Suggestion] = []
    for rank, _, t in ranked:
        name = fill_field(t)
        text = t.action_text
        why = [f"lane {lane}" + (f" ({lane_reason})" if lane_reason else "")]
        why.append(f"made for stage {label}" if rank == 0 else "fits any stage")
        if name is not None:
            value = _clean(context.get(name) or "")
            if not value:
                continue
            text = text.replace(BLANK, value)
            why.append(f"filled from {name}")
        why.append("not used with them in 30 days")
        out.append(Suggestion(t.action_key, t.lane, t.stage or "any", text, "; ".join(why)))
        if len(out) == MAX_ACTIONS:
            break
    return out
