"""What recompute writes of a standing: the contact's stored columns (only when they changed) and its stage changes.

Stored per contact: the score, the five component columns of the seed (recency has none: it follows from
last_meaningful_touch), the stage, last_meaningful_touch, next_planned_touch, the fit-signal summary and the
message totals (one feature row per stored message). Each
stage step is a stage_history row with its reason and the messages that show it, in words.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from everreach.db.models import Contact, StageChange
from everreach.relationship.records import unless_empty as _unless_empty
from everreach.relationship.rules.inputs import MessageFacts
from everreach.relationship.rules.numbers import short_date
from everreach.relationship.rules.stages import StageStep
from everreach.relationship.standings import Assessed
from everreach.relationship.summaries import fit_summary

BATCH = 2000
#: component -> its instagram_contacts column.
COMPONENT_COLUMNS: Mapping[str, str] = {
    "resonance": "resonance_score",
    "need_clarity": "need_clarity_score",
    "value_delivered": "value_delivered_score",
    "reliability": "reliability_score",
    "consent_level": "consent_level",
}
COLUMNS = (
    "relationship_score", *COMPONENT_COLUMNS.values(), "relationship_stage", "last_meaningful_touch",
    "next_planned_touch", "fit_signals", "total_messages_sent", "total_messages_received",
)  # fmt: skip
#: Messages quoted in a stage change's reason, newest first.
QUOTED = 2


def row_of(a: Assessed) -> dict[str, Any]:
    """The stored columns of one assessed contact."""
    s = a.standing
    values = s.values()
    row: dict[str, Any] = {"relationship_score": s.score}
    row.update({column: values[name] for name, column in COMPONENT_COLUMNS.items()})
    row.update(
        relationship_stage=s.stage,
        last_meaningful_touch=s.cadence.last_touch,
        next_planned_touch=s.cadence.next_planned_touch,
        fit_signals=fit_summary(a.messages),
    )
    sent = sum(1 for m in a.messages if m.is_outbound)
    row.update(total_messages_sent=sent, total_messages_received=len(a.messages) - sent)
    return row


#: Every contact's stored columns; `_STORED_OF` those of the contacts in the expanding parameter `ids`.
_STORED = select(Contact.id, *(_unless_empty(Contact.fit_signals) if c == "fit_signals" else getattr(Contact, c)
                               for c in COLUMNS))  # fmt: skip
_STORED_OF = _STORED.where(Contact.id.in_(bindparam("ids", expanding=True)))


def stored_rows(session: Session, ids: Sequence[uuid.UUID] | None) -> dict[uuid.UUID, dict[str, Any]]:
    """contact id -> its stored columns, for these contacts (every contact when None)."""
    out: dict[uuid.UUID, dict[str, Any]] = {}
    chunks = [None] if ids is None else [list(ids[i : i + BATCH]) for i in range(0, len(ids), BATCH)]
    for chunk in chunks:
        found = session.execute(_STORED) if chunk is None else session.execute(_STORED_OF, {"ids": chunk})
        for cid, *values in found:
            row = dict(zip(COLUMNS, values, strict=True))
            row["fit_signals"] = row["fit_signals"] or []
            out[cid] = row
    return out


def stage_reason(step: StageStep, messages: Sequence[MessageFacts]) -> str:
    """The step's reason, with the newest messages that show it quoted and dated."""
    by_id = {m.id: m for m in messages}
    shown = [by_id[i] for i in dict.fromkeys(step.message_ids) if i in by_id]
    shown.sort(key=lambda m: m.sent_at, reverse=True)
    quotes = [f"“{m.excerpt}” ({short_date(m.sent_at)})" for m in shown[:QUOTED] if m.excerpt]
    if not quotes:
        return step.reason
    more = f" and {len(shown) - QUOTED} more" if len(shown) > QUOTED else ""
    return f"{step.reason}: {', '.join(quotes)}{more}"


def history_rows(a: Assessed, *, now: datetime) -> list[dict[str, Any]]:
    """One stage_history row per step the standing took from the stored stage."""
    rows = []
    previous = a.records.stage
    for step in a.standing.steps:
        rows.append(
            {
                "id": uuid.uuid4(),
                "contact_id": a.contact_id,
                "from_stage": previous,
                "to_stage": step.stage,
                "reason": stage_reason(step, a.messages),
                "source": "auto",
                "changed_at": now,
            }
        )
        previous = step.stage
    return rows


class Writer:
    """Collects the changed rows and stage changes of many contacts and writes them in batches."""

    def __init__(self, session: Session, stored: Mapping[uuid.UUID, Mapping[str, Any]], *, now: datetime) -> None:
        self.session = session
        self.stored = stored
        self.now = now
        self.updated = 0
        self.stage_changes = 0
        self._rows: list[dict[str, Any]] = []
        self._history: list[dict[str, Any]] = []

    def add(self, a: Assessed) -> None:
        """Queue the contact's row when it changed, and its stage steps."""
        row = row_of(a)
        if row != self.stored.get(a.contact_id):
            self._rows.append({"id": a.contact_id, **row, "updated_at": self.now})
        self._history.extend(history_rows(a, now=self.now))
        if len(self._rows) >= BATCH or len(self._history) >= BATCH:
            self.flush()

    def add_all(self, assessed: Iterable[Assessed]) -> None:
        """`add` each one."""
        for a in assessed:
            self.add(a)

    def flush(self) -> None:
        """Write what is queued."""
        if self._rows:
            self.session.execute(update(Contact), self._rows)
            self.updated += len(self._rows)
        if self._history:
            self.session.execute(insert(StageChange), self._history)
            self.stage_changes += len(self._history)
        self._rows, self._history = [], []
