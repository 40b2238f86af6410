"""Evidence read from the messages (DESIGN.md §3): each item names its message and can be dismissed or confirmed.

Kinds: promise (the owner's "i'll send you…"), promise_kept (a delivers_value message to them within 14 days
after the promise), promise_broken (14 days passed without one), value_delivered (the owner's delivers_value),
consent (their says_yes or asks_for_help; a says_yes answering the owner's offer, in their turn right after it
and within 7 days, is a yes to the offer), trust (their asks_opinion, refers_someone, shares_update), project
and friction (their describes_project and describes_friction: context-card suggestions).

An item's id is "kind:message id". A dismissed item no longer counts anywhere; dismissing a promise_kept or
promise_broken item dismisses its promise. Dismissed items are still listed (status "dismissed") so the user
can see and undo them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from everreach.relationship.rules.inputs import MessageFacts, UserRecords
from everreach.relationship.rules.numbers import short_date

PROMISE_WINDOW = timedelta(days=14)
OFFER_ANSWER_WINDOW = timedelta(days=7)
TRUST_INTENTS = ("asks_opinion", "refers_someone", "shares_update")
CONSENT_INTENTS = ("says_yes", "asks_for_help")
OFFER_YES = "offer_yes"
_INBOUND_KINDS = {"describes_project": "project", "describes_friction": "friction"}
_LABELS = {
    "promise": "you promised",
    "promise_kept": "promise kept",
    "promise_broken": "promise not kept within 14 days",
    "value_delivered": "you delivered value",
    "consent": "they gave consent",
    "trust": "a sign of trust",
    "project": "what they are building",
    "friction": "what is hard for them",
}


@dataclass(frozen=True, slots=True)
class Evidence:
    """One inferred item with the message it was read from."""

    id: str
    kind: str
    message_id: str
    at: datetime
    excerpt: str
    detail: str = ""  # the intent key; for consent "offer_yes" when it answered the owner's offer
    status: str = "inferred"  # inferred | confirmed | dismissed
    related_message_id: str | None = None  # promise_kept: the delivering message

    @property
    def counts(self) -> bool:
        """Whether the item counts in the rules (every item but a dismissed one)."""
        return self.status != "dismissed"

    def sentence(self) -> str:
        """The item as a person reads it: what, when, and the words."""
        return f"{_LABELS[self.kind]} on {short_date(self.at)}: “{self.excerpt}”"


@dataclass(frozen=True, slots=True)
class PromiseOutcome:
    """A promise with what became of it: kept (by which message), broken, or still open."""

    promise: Evidence
    state: str  # kept | broken | open
    kept_by: MessageFacts | None = None

    @property
    def due(self) -> datetime:
        """When the 14 days to deliver run out."""
        return self.promise.at + PROMISE_WINDOW


def evidence_id(kind: str, message_id: str) -> str:
    """The id of an evidence item."""
    return f"{kind}:{message_id}"


def _status(records: UserRecords, *ids: str) -> str:
    if any(i in records.dismissed for i in ids):
        return "dismissed"
    return "confirmed" if any(i in records.confirmed for i in ids) else "inferred"


def _item(kind: str, m: MessageFacts, records: UserRecords, detail: str = "", *also: str) -> Evidence:
    eid = evidence_id(kind, m.id)
    return Evidence(eid, kind, m.id, m.sent_at, m.excerpt, detail, _status(records, eid, *also))


def _answer_turns(messages: Sequence[MessageFacts], offers: Sequence[datetime], *, now: datetime) -> set[str]:
    """Their messages that answer an offer: their turn right after it (before the owner writes again), within
    OFFER_ANSWER_WINDOW."""
    if not offers:
        return set()
    ordered = sorted((m for m in messages if m.sent_at <= now and m.touch), key=lambda m: m.sent_at)
    out: set[str] = set()
    for o in offers:
        for m in ordered:
            if m.sent_at <= o:
                continue
            if m.sent_at > o + OFFER_ANSWER_WINDOW or m.owner_written:
                break
            out.add(m.id)
    return out


def promise_outcomes(messages: Sequence[MessageFacts], records: UserRecords, *, now: datetime) -> list[PromiseOutcome]:
    """Each inferred promise (oldest first) with its outcome; dismissed deliveries keep nothing."""
    said = sorted((m for m in messages if m.intents and m.owner_written), key=lambda x: x.sent_at)
    deliveries = [
        m for m in said
        if "delivers_value" in m.intents and evidence_id("value_delivered", m.id) not in records.dismissed
    ]  # fmt: skip
    out = []
    for m in said:
        if "promise" not in m.intents:
            continue
        outcome_ids = (evidence_id("promise_kept", m.id), evidence_id("promise_broken", m.id))
        promise = _item("promise", m, records, "", *outcome_ids)
        kept_by = next((d for d in deliveries
                        if m.sent_at < d.sent_at <= m.sent_at + PROMISE_WINDOW and d.sent_at <= now), None)  # fmt: skip
        if kept_by is not None:
            out.append(PromiseOutcome(promise, "kept", kept_by))
        elif now > m.sent_at + PROMISE_WINDOW:
            out.append(PromiseOutcome(promise, "broken"))
        else:
            out.append(PromiseOutcome(promise, "open"))
    return out


def infer(messages: Sequence[MessageFacts], records: UserRecords, *, now: datetime) -> list[Evidence]:
    """Every evidence item of one contact's messages up to `now`, oldest first (dismissed ones included)."""
    shown = [m for m in messages if m.intents and m.sent_at <= now]  # a message without intents says nothing
    if not shown:
        return []
    offers = [m.sent_at for m in shown if m.owner_written and "offer" in m.intents]
    answers = _answer_turns(messages, offers, now=now)
    items: list[Evidence] = []
    for outcome in promise_outcomes(shown, records, now=now):
        p = outcome.promise
        items.append(p)
        if outcome.state == "kept" and outcome.kept_by is not None:
            d = outcome.kept_by
            items.append(Evidence(evidence_id("promise_kept", p.message_id), "promise_kept", p.message_id, d.sent_at,
                                  p.excerpt, "", p.status, d.id))  # fmt: skip
        elif outcome.state == "broken":
            items.append(Evidence(evidence_id("promise_broken", p.message_id), "promise_broken", p.message_id,
                                  outcome.due, p.excerpt, "", p.status))  # fmt: skip
    for m in shown:
        if m.owner_written and "delivers_value" in m.intents:
            items.append(_item("value_delivered", m, records, "delivers_value"))
        if m.is_outbound:
            continue
        for intent in CONSENT_INTENTS:
            if intent in m.intents:
                detail = OFFER_YES if intent == "says_yes" and m.id in answers else intent
                items.append(_item("consent", m, records, detail))
                break
        for intent in TRUST_INTENTS:
            if intent in m.intents:
                items.append(_item("trust", m, records, intent))
                break
        for intent, kind in _INBOUND_KINDS.items():
            if intent in m.intents:
                items.append(_item(kind, m, records, intent))
    items.sort(key=lambda e: (e.at, e.kind, e.message_id))
    return items


def counting(items: Iterable[Evidence], kind: str) -> list[Evidence]:
    """The items of `kind` that count (not dismissed)."""
    return [e for e in items if e.kind == kind and e.counts]
