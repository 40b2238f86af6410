"""One contact through every rule, fresh at `now`: health, next best actions (and the coach and evidence
modules read the same assessment).

A contact's features and records are a few indexed queries; the rules run in Python (`rules.assess`), so what
is shown here is what recompute stores, plus what a person reads on the contact page.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from everreach.contacts.lookup import get_contact
from everreach.db.models import Contact, NextBestAction
from everreach.messages.featurestore import facts_for_contacts
from everreach.relationship import clock
from everreach.relationship.records import load_records
from everreach.relationship.rules.assess import Assessment, Standing, assess, standing
from everreach.relationship.rules.inputs import MessageFacts, Template, UserRecords
from everreach.relationship.schemas import (
    Action,
    CadenceRead,
    ComponentReasons,
    ComponentValues,
    Health,
    NextActions,
)


@dataclass(frozen=True)
class ContactAssessment:
    """A contact with its inputs and what the rules say about it."""

    contact: Contact
    messages: list[MessageFacts]
    records: UserRecords
    result: Assessment


def templates(session: Session) -> list[Template]:
    """The active next_best_actions rows as the template picker reads them."""
    rows = session.scalars(select(NextBestAction).where(NextBestAction.is_active == true()))
    return [Template(t.lane, t.stage, t.action_key, t.action_text, t.metadata_ or {}) for t in rows]


def load_contact(
    session: Session, *, username: str, contact: Contact | None = None, even_if_waiting: bool = False
) -> tuple[Contact, list[MessageFacts], UserRecords]:
    """One contact's row, stored message features and records (`contact`: the row already loaded by the caller;
    `even_if_waiting`: as if no message to them were waiting, for a second message the user forces)."""
    if contact is None or contact.instagram_username != username:
        contact = get_contact(session, username=username)
    records = load_records(session, [contact.id])[contact.id]
    if even_if_waiting:
        records = replace(records, open_message=False)
    return contact, facts_for_contacts(session, [contact.id])[contact.id], records


def assess_contact(
    session: Session, *, username: str, now: datetime | None = None, contact: Contact | None = None,
    even_if_waiting: bool = False,
) -> ContactAssessment:  # fmt: skip
    """Every rule over one contact at `now`, next best actions and coach included."""
    now = now or clock.utcnow()
    row, messages, records = load_contact(session, username=username, contact=contact, even_if_waiting=even_if_waiting)
    return ContactAssessment(row, messages, records, assess(messages, records, now=now, templates=templates(session)))


def cadence_read(a: Standing) -> CadenceRead:
    """The contact's rhythm as the read models show it."""
    c = a.cadence
    return CadenceRead(
        touches=c.touches,
        usual_gap_days=c.usual_gap_days,
        going_cold=c.going_cold,
        next_planned_touch=c.next_planned_touch,
        overdue_days=round(c.overdue_days, 1),
        reason=c.reason,
    )


def health(session: Session, *, username: str, now: datetime | None = None, contact: Contact | None = None) -> Health:
    """Score, stage, lane, the six components with reasons, the last touch and the cadence, at `now`."""
    now = now or clock.utcnow()
    row, messages, records = load_contact(session, username=username, contact=contact)
    return health_of(row.instagram_username, row.display_name, standing(messages, records, now=now), now=now)


def health_of(username: str, display_name: str | None, a: Standing, *, now: datetime) -> Health:
    """The Health read of a contact (its handle and display name) and the standing the rules gave it at `now`."""
    last = a.cadence.last_touch
    return Health(
        username=username,
        display_name=display_name,
        score=a.score,
        stage=a.stage,
        lane=a.lane.lane,
        lane_reason=a.lane.reason,
        components=ComponentValues(**a.values()),
        reasons=ComponentReasons(**{name: c.reason for name, c in a.components.items()}),
        days_since_touch=int(max(0.0, (now - last) / timedelta(days=1))) if last else None,
        last_meaningful_touch=last,
        cadence=cadence_read(a),
    )


def next_best_actions(
    session: Session, *, username: str, now: datetime | None = None, even_if_waiting: bool = False
) -> NextActions:
    """Open loops first (an unanswered question, a promise not kept), then up to three lane templates, with
    reasons; nothing while a message to them is pending, scheduled or being sent (unless `even_if_waiting`: the
    user forces a second one)."""
    found = assess_contact(session, username=username, now=now, even_if_waiting=even_if_waiting)
    a = found.result
    return NextActions(
        username=found.contact.instagram_username,
        lane=a.lane.lane,
        lane_reason=a.lane.reason,
        stage=a.stage,
        waiting=found.records.open_message,
        actions=[
            Action(action_key=s.action_key, lane=s.lane, stage=s.stage, text=s.text, reason=s.reason) for s in a.actions
        ],
    )
