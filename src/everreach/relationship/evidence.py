"""Evidence of one contact: every item the rules read from the messages, with its message, and the user's verdict.

Items are numbered in time order (the number shown by `everreach evidence USER`), and each has a short id
("promise:3f2a9c1b", the kind and the first 8 characters of its message id); either, or the full id, names
an item for `dismiss` and `confirm`. A verdict is stored in evidence_reviews and the contact is rescored in
the same unit of work, so a dismissed item stops counting at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from everreach.db.models import Contact
from everreach.db.models_v2 import VERDICTS, EvidenceReview
from everreach.errors import NotFoundError, ValidationError
from everreach.relationship import clock
from everreach.relationship.contact_view import load_contact
from everreach.relationship.recompute import recompute
from everreach.relationship.rules.assess import standing
from everreach.relationship.rules.components import context_suggestions
from everreach.relationship.rules.evidence import Evidence
from everreach.relationship.rules.inputs import MessageFacts, UserRecords
from everreach.relationship.rules.numbers import short_date
from everreach.relationship.schemas import CardSuggestion, EvidenceItem, EvidenceReport, MessageRef

SHORT = 8
#: Each kind as a person reads it.
KIND_WORDS = {
    "promise": "promise",
    "promise_kept": "promise kept",
    "promise_broken": "promise not kept",
    "value_delivered": "value delivered",
    "consent": "consent",
    "trust": "sign of trust",
    "project": "what they are building",
    "friction": "what is hard for them",
}
FIELD_WORDS = {"what_theyre_building": "what they're building", "current_friction": "current friction"}


def short_id(e: Evidence) -> str:
    """The kind and the first characters of the message id: short enough to type."""
    return f"{e.kind}:{e.message_id.replace('-', '')[:SHORT]}"


def _ref(m: MessageFacts | None) -> MessageRef | None:
    return None if m is None else MessageRef(sent_at=m.sent_at, outbound=m.is_outbound, excerpt=m.excerpt)


@dataclass(frozen=True)
class _Read:
    """One contact's messages and records, and the evidence the rules read from them."""

    contact: Contact
    messages: list[MessageFacts]
    records: UserRecords
    evidence: tuple[Evidence, ...]


def _read(session: Session, username: str, now: datetime) -> _Read:
    contact, messages, records = load_contact(session, username=username)
    return _Read(contact, messages, records, standing(messages, records, now=now).evidence)


def _items(found: _Read) -> list[EvidenceItem]:
    by_id = {m.id: m for m in found.messages}
    out = []
    for number, e in enumerate(found.evidence, start=1):
        related = by_id.get(e.related_message_id) if e.related_message_id else None
        out.append(
            EvidenceItem(
                number=number,
                id=short_id(e),
                evidence_id=e.id,
                kind=e.kind,
                kind_words=KIND_WORDS[e.kind],
                detail=e.detail.replace("_", " "),
                at=e.at,
                sentence=e.sentence(),
                status=e.status,
                counts=e.counts,
                message=_ref(by_id.get(e.message_id)),
                kept_by=_ref(related),
            )
        )
    return out


def evidence_report(session: Session, *, username: str, now: datetime | None = None) -> EvidenceReport:
    """Every evidence item of the contact (dismissed ones too, so a verdict can be changed), and the context
    card suggestions read from their messages."""
    return _report(_read(session, username, now or clock.utcnow()))


def _report(found: _Read) -> EvidenceReport:
    by_id = {e.id: e for e in found.evidence}
    suggestions = [
        CardSuggestion(
            field=s.field,
            field_words=FIELD_WORDS.get(s.field, s.field.replace("_", " ")),
            text=s.text,
            evidence=short_id(by_id[s.evidence_id]),
            at=by_id[s.evidence_id].at,
        )
        for s in context_suggestions(found.records, found.evidence)
    ]
    return EvidenceReport(
        username=found.contact.instagram_username,
        display_name=found.contact.display_name,
        items=_items(found),
        suggestions=suggestions,
    )


def find_item(items: list[EvidenceItem], ref: str, *, username: str) -> EvidenceItem:
    """The item a person named: its number, its short id, its full id, or a unique start of either id."""
    text = ref.strip()
    if not text:
        raise ValidationError("name the evidence item: its number or its id, as `everreach evidence USER` lists it")
    if text.isdigit():
        number = int(text)
        if 1 <= number <= len(items):
            return items[number - 1]
        raise NotFoundError(f"@{username} has {len(items)} evidence items: {number} is not one of them")
    lowered = text.lower()
    exact = [i for i in items if lowered in (i.id, i.evidence_id.lower())]
    if exact:
        return exact[0]
    starts = [i for i in items if i.id.startswith(lowered) or i.evidence_id.lower().startswith(lowered)]
    if len(starts) == 1:
        return starts[0]
    if starts:
        raise ValidationError(f"{text!r} names {len(starts)} evidence items of @{username}: give more of the id")
    raise NotFoundError(f"no evidence item {text!r} for @{username}: `everreach evidence {username}` lists them")


def review(session: Session, *, username: str, ref: str, verdict: str, now: datetime | None = None) -> EvidenceItem:
    """Record the user's verdict (dismissed or confirmed) on one item and rescore the contact; the item after."""
    if verdict not in VERDICTS:
        raise ValidationError(f"verdict must be one of {', '.join(VERDICTS)}, not {verdict!r}")
    now = now or clock.utcnow()
    found = _read(session, username, now)
    item = find_item(_items(found), ref, username=found.contact.instagram_username)
    contact_id = found.contact.id
    stored = session.scalar(
        select(EvidenceReview).where(
            EvidenceReview.contact_id == contact_id, EvidenceReview.evidence_id == item.evidence_id
        )
    )
    if stored is None:
        session.add(EvidenceReview(contact_id=contact_id, evidence_id=item.evidence_id, verdict=verdict,
                                   reviewed_at=now))  # fmt: skip
    else:
        stored.verdict, stored.reviewed_at = verdict, now
    session.flush()
    recompute(session, ids=[contact_id], now=now, scan=False)
    after = evidence_report(session, username=found.contact.instagram_username, now=now).items
    return next(i for i in after if i.evidence_id == item.evidence_id)


def verdict_sentence(item: EvidenceItem) -> str:
    """What a verdict did, in words."""
    when = short_date(item.at)
    if item.status == "dismissed":
        return f"dismissed {item.kind_words} of {when}: it no longer counts"
    return f"confirmed {item.kind_words} of {when}"
