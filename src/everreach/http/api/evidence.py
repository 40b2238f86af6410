"""Evidence and coach routes of one contact: what the model read from the messages, the user's verdicts, and
feedback on the owner's own messages (thin layers over relationship/evidence.py and relationship/coach.py)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Path
from pydantic import BaseModel

from everreach.http import routes
from everreach.http.api.contacts import Username
from everreach.http.deps import DbSession
from everreach.relationship.coach import coach_notes
from everreach.relationship.evidence import evidence_report, review
from everreach.relationship.schemas import CoachReport, EvidenceItem, EvidenceReport

router = routes.router()
ItemRef = Annotated[str, Path(min_length=1, max_length=200, description="The item's number, short id or id.")]


class Verdict(BaseModel):
    """The user's verdict on an evidence item: dismissed (it stops counting at once) or confirmed."""

    verdict: Literal["dismissed", "confirmed"]


@router.get("/contacts/{username}/evidence", response_model=EvidenceReport, tags=["relationship"])
def list_evidence(session: DbSession, username: Username) -> EvidenceReport:
    """Every item read from the contact's messages, with its message and status, and context-card suggestions."""
    return evidence_report(session, username=username)


@router.put("/contacts/{username}/evidence/{item}", response_model=EvidenceItem, tags=["relationship"])
def judge_evidence(session: DbSession, username: Username, item: ItemRef, body: Verdict) -> EvidenceItem:
    """Dismiss or confirm one item; the contact is rescored in the same request."""
    return review(session, username=username, ref=item, verdict=body.verdict)


@router.get("/contacts/{username}/coach", response_model=CoachReport, tags=["relationship"])
def coach(session: DbSession, username: Username) -> CoachReport:
    """Feedback on your own messages in the thread, each note with the messages it points at."""
    return coach_notes(session, username=username)
