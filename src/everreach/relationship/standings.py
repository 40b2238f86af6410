"""One standing per contact: its stored message features and its records through `rules.assess.standing`.

The single place recompute, the derived tables' rebuilds and the read side get a contact's standing from: the
features come from `messages.featurestore` (every message read once, when it was written), the records from
`records.load_records`; nothing here is a rule.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from everreach.db.models import Contact
from everreach.messages.featurestore import facts_for_contacts, iter_facts
from everreach.relationship.records import load_records
from everreach.relationship.rules.assess import Standing, standing
from everreach.relationship.rules.inputs import MessageFacts, UserRecords

CHUNK = 2000


@dataclass(frozen=True, slots=True)
class Assessed:
    """One contact's inputs and the standing the rules give them."""

    contact_id: uuid.UUID
    messages: Sequence[MessageFacts]
    records: UserRecords
    standing: Standing


def _assessed(cid: uuid.UUID, messages: Sequence[MessageFacts], records: UserRecords, now: datetime) -> Assessed:
    return Assessed(cid, messages, records, standing(messages, records, now=now))


def standings_of(session: Session, ids: Sequence[uuid.UUID], *, now: datetime) -> Iterator[Assessed]:
    """The standing of each of these contacts (unknown ids are skipped), read CHUNK contacts at a time."""
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start : start + CHUNK])
        records = load_records(session, chunk)
        facts = facts_for_contacts(session, list(records))
        for cid in chunk:
            if cid in records:
                yield _assessed(cid, facts.get(cid, []), records[cid], now)


def every_standing(session: Session, *, now: datetime) -> Iterator[Assessed]:
    """The standing of every contact: every stored feature read once, streamed in contact order; the records
    of all contacts are loaded up front (a few set-based queries)."""
    records = load_records(session)
    for cid, messages in iter_facts(session):
        found = records.pop(cid, None)
        if found is not None:  # a contact deleted since the records were read is skipped
            yield _assessed(cid, messages, found, now)
    for cid in sorted(records):  # contacts without any message
        yield _assessed(cid, [], records[cid], now)


def contact_ids(session: Session) -> list[uuid.UUID]:
    """Every contact id, in id order."""
    return list(session.scalars(select(Contact.id).order_by(Contact.id)))
