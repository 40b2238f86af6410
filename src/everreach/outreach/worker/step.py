"""What passes between the worker's concerns: a step's report, a claimed row, and a send's kept outcome."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from everreach.db.models import OutreachItem
from everreach.outreach.schemas import QueueItemRead
from everreach.outreach.senders import OutboundMessage, SendResult

StepKind = Literal["sent", "failed", "retry", "idle"]


@dataclass
class Step:
    """What one worker step did, and when the next send may happen."""

    kind: StepKind
    item: QueueItemRead | None = None
    error: str | None = None
    next_allowed_send: datetime | None = None
    reasons: tuple[str, ...] = ()
    #: When the worker should look again (idle steps): the later of pacing and the first waiting row.
    wake_at: datetime | None = None
    recovered: list[uuid.UUID] = field(default_factory=list)
    skipped: list[QueueItemRead] = field(default_factory=list)


@dataclass
class Claim:
    """A row moved to `sending` (committed), its attempt, and the message to send."""

    item: OutreachItem
    attempt_id: uuid.UUID
    message: OutboundMessage


@dataclass
class Outcome:
    """A send's result, kept until it is written (across database outages)."""

    claim: Claim
    result: SendResult
    at: datetime
    #: A write was tried and failed: it may have committed before the connection went.
    retried: bool = False


def step_kind(outcome: str) -> StepKind:
    """The step kind of an attempt outcome (`sent`, `deferred` or `failed`)."""
    kind: StepKind = "retry" if outcome == "deferred" else outcome  # type: ignore[assignment]
    return kind
