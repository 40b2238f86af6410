"""Totals for the dashboard and the API: contacts, messages, stages, the score histogram, queue states."""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from everreach.contacts.spam import spam_sql
from everreach.db.models import STAGES, Contact, Conversation, Message, OutreachItem
from everreach.relationship.schemas import Bucket, Stats


def stats(session: Session, *, bucket_size: int = 10) -> Stats:
    """Totals, contacts per stage, the score histogram and queue states, in a handful of aggregate queries."""
    spam = spam_sql(session.get_bind().dialect.name)
    contacts, spam_contacts = session.execute(
        select(func.count(), func.coalesce(func.sum(case((spam, 1), else_=0)), 0)).select_from(Contact)
    ).one()
    messages, outbound, last = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((Message.is_outbound.is_(True), 1), else_=0)), 0),
            func.max(Message.sent_at),
        ).select_from(Message)
    ).one()
    by_stage = dict.fromkeys(STAGES, 0)
    for stage, n in session.execute(
        select(Contact.relationship_stage, func.count()).group_by(Contact.relationship_stage)
    ):
        by_stage[stage or "first_touch"] = by_stage.get(stage or "first_touch", 0) + n
    score = func.coalesce(Contact.relationship_score, 0)
    top = 100 // bucket_size - 1  # 100 falls in the last bucket
    bucket = case((score >= 100, top), (score < 0, 0), else_=score // bucket_size)
    counts: dict[int, int] = dict(session.execute(select(bucket, func.count()).group_by(bucket)).all())
    histogram = [
        Bucket(
            low=i * bucket_size,
            high=min(100, (i + 1) * bucket_size - 1 if i < 100 // bucket_size - 1 else 100),
            count=int(counts.get(i, 0)),
        )
        for i in range(100 // bucket_size)
    ]
    queue = {
        s or "pending": n
        for s, n in session.execute(select(OutreachItem.status, func.count()).group_by(OutreachItem.status))
    }
    return Stats(
        contacts=contacts,
        spam_contacts=int(spam_contacts),
        messages=messages,
        inbound=messages - int(outbound),
        outbound=int(outbound),
        conversations=session.scalar(select(func.count()).select_from(Conversation)) or 0,
        last_message_at=last,
        by_stage=by_stage,
        score_histogram=histogram,
        queue=queue,
    )
