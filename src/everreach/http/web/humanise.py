"""Words a person reads instead of internal keys, and dates as "3 days ago" / "12 Mar 2025" (Jinja filters)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from everreach.config import get_settings

STAGE_LABELS = {
    "first_touch": "First touch",
    "context_captured": "Context captured",
    "micro_win_delivered": "Micro-win delivered",
    "cadence_established": "Regular contact",
    "trust_signals": "Trust shown",
    "fit_repeats": "Need keeps coming up",
    "permissioned_offer": "Welcomed an offer",
    "post_win": "Customer",
}
# Templates name the stage they are written for with short keys of their own.
TEMPLATE_STAGE_LABELS = {
    "any": "any stage",
    "context": "context captured",
    "micro_win": "micro-win delivered",
    "cold": "gone quiet",
    "fit_repeats": "need keeps coming up",
    "permissioned_offer": "welcomed an offer",
    "post_win": "customer",
}
LANE_LABELS = {
    "friendship": "Friendship",
    "service": "Help out",
    "offer": "Ready for an offer",
    "retention": "Look after a customer",
    "rewarm": "Rewarm",
}
QUEUE_LABELS = {
    "pending": "Waiting",
    "scheduled": "Scheduled",
    "sending": "Sending now",
    "sent": "Sent",
    "failed": "Failed",
    "cancelled": "Cancelled",
}
PATTERN_TYPE_LABELS = {
    "known_handle": "Known name",
    "selector": "Page element",
    "skip_pattern": "Text to skip",
    "spam_pattern": "Spam words",
}
# Field names, intents and record kinds that read badly when only the underscores are replaced.
WORDS = {
    "what_theyre_building": "What they're building",
    "current_friction": "Current friction",
    "their_definition_of_win": "Their idea of a win",
    "constraints": "Constraints",
    "preferred_contact_style": "How they like to be contacted",
    "asks_opinion": "asked your opinion",
    "refers_someone": "referred someone",
    "asks_for_help": "asked for help",
    "says_yes": "said yes",
    "shares_update": "shared an update",
    "describes_project": "described their project",
    "describes_friction": "described a problem",
    "delivers_value": "delivered value",
    "promise_kept": "promise kept",
    "consent_level": "consent",
    "need_clarity": "need clarity",
    "value_delivered": "value delivered",
}
ACRONYMS = {"ui": "UI", "dm": "DM", "dms": "DMs", "url": "URL", "api": "API", "seo": "SEO"}
SNAKE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")
DAYS_AGO = re.compile(r"\b(\d+(?:\.\d+)?) days ago\b")
DAYS_NUMBER = re.compile(r"\b(\d+)\.\d+ days\b")
ONE_PLURAL = re.compile(r"\b1 ([a-z]+ )?(entries|messages|signals|promises|replies)\b")
SINGULAR = {"entries": "entry", "messages": "message", "signals": "signal", "promises": "promise", "replies": "reply"}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def words(key: str | None) -> str:
    """An internal key in words: 'low_friction' -> 'Low friction'; known keys get their own label."""
    if not key:
        return ""
    if key in WORDS:
        return WORDS[key]
    parts = [ACRONYMS.get(part, part) for part in key.replace("_", " ").split()]
    text = " ".join(parts)
    return text[:1].upper() + text[1:]


def stage_label(stage: str | None) -> str:
    """A contact's stage in words ('first_touch' -> 'First touch')."""
    return STAGE_LABELS.get(stage or "first_touch", words(stage))


def template_stage_label(stage: str | None) -> str:
    """The stage a template is written for, in words."""
    return TEMPLATE_STAGE_LABELS.get(stage or "any", words(stage).lower())


def lane_label(lane: str | None) -> str:
    """A lane in words."""
    return LANE_LABELS.get(lane or "", words(lane))


def queue_label(status: str | None) -> str:
    """A queue state in words."""
    return QUEUE_LABELS.get(status or "pending", words(status))


def pattern_type_label(kind: str | None) -> str:
    """An automation pattern type in words."""
    return PATTERN_TYPE_LABELS.get(kind or "", words(kind))


def sentence(text: str | None) -> str:
    """A reason written by the engine, with keys in words, day counts a person reads and plurals right."""
    if not text:
        return ""
    out = DAYS_AGO.sub(lambda m: span_words(float(m.group(1)) * 86400) + " ago", text)
    out = DAYS_NUMBER.sub(lambda m: m.group(1) + " days", out)
    out = out.replace("(halves every 14 days)", "(counts half as much every two weeks)")
    out = re.sub(r"made for stage (\w+)", lambda m: f"written for “{template_stage_label(m.group(1))}”", out)
    out = re.sub(r"\blane (\w+)", lambda m: f"lane “{lane_label(m.group(1))}”", out)
    out = re.sub(r"\b(\d+) < (\d+)", r"\1 is under \2", out)
    out = re.sub(r"\b(\d+) >= (\d+)", r"\1 is at least \2", out)
    out = re.sub(r"\((\d+) chars\)", r"(\1 characters)", out)
    out = ONE_PLURAL.sub(lambda m: f"1 {m.group(1) or ''}{SINGULAR[m.group(2)]}", out)
    return SNAKE.sub(lambda m: words(m.group(0)).lower() if m.group(0) not in WORDS else WORDS[m.group(0)], out)


def match_strength(similarity: float | None) -> str:
    """How closely a message matched a fit signal, in words."""
    value = similarity or 0.0
    return "the exact phrase" if value >= 0.99 else "a close match" if value >= 0.8 else "a loose match"


def _now() -> datetime:
    return datetime.now(UTC)


def span_words(seconds: float) -> str:
    """A duration in words: '3 days', 'about 2 years', '5 minutes'."""
    for size, unit in (
        (86400 * 365, "year"),
        (86400 * 30, "month"),
        (86400 * 7, "week"),
        (86400, "day"),
        (3600, "hour"),
        (60, "minute"),
    ):
        if seconds >= size:
            n = int(seconds // size)
            prefix = "about " if unit in ("year", "month") else ""
            return f"{prefix}{n} {unit}{'' if n == 1 else 's'}"
    return "a moment"


def ago(value: datetime | None, *, now: datetime | None = None) -> str:
    """'3 days ago', 'in 5 minutes', 'just now', or 'never'."""
    if value is None:
        return "never"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    seconds = ((now or _now()) - value).total_seconds()
    if abs(seconds) < 60:
        return "just now"
    return f"in {span_words(-seconds)}" if seconds < 0 else f"{span_words(seconds)} ago"


def user_zone() -> ZoneInfo:
    """The user's time zone (EVERREACH_TIMEZONE), UTC when it is unknown."""
    try:
        return ZoneInfo(get_settings().timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _local(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(user_zone())


def day(value: datetime | None) -> str:
    """A date as '12 Mar 2025' in the user's time zone."""
    if value is None:
        return "—"
    local = _local(value)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}"


def when(value: datetime | None) -> str:
    """A date and time as '12 Mar 2025, 14:05' in the user's time zone."""
    if value is None:
        return "—"
    return f"{day(value)}, {_local(value):%H:%M}"


def iso(value: datetime | None) -> str:
    """The machine-readable timestamp for a <time datetime=...> attribute."""
    return value.astimezone(UTC).isoformat() if value else ""


def next_send_sentence(value: datetime | None, *, now: datetime | None = None) -> str:
    """When the next automated message may go out, as a sentence."""
    now = now or _now()
    if value is None or value <= now + timedelta(seconds=60):
        return "The next automated message can go out now."
    return f"The next automated message can go out {ago(value, now=now)} ({when(value)})."
