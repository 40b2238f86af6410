"""Totals for the dashboard and the API: contacts, messages, stages, the score histogram, queue states."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from everreach.db.models import Message, OutreachItem
from everreach.relationship import counts
from everreach.relationship.rules.stages import STAGES
from everreach.relationship.schemas import Bucket, Stats


def stats(session: Session, *, bucket_size: int = 10) -> Stats:
    """Totals, contacts per stage, the score histogram and queue states: the stored counts (counts.py), the
    newest message by its index, the queue (a small table) counted."""
    stored = counts.read(session)
    messages, outbound = stored.total("messages"), stored.total("outbound")
    last = session.scalar(select(func.max(Message.sent_at)))
    by_stage = dict.fromkeys(STAGES, 0)
    for stage, n in stored.by_key("stage").items():
        by_stage[stage or "first_touch"] = by_stage.get(stage or "first_touch", 0) + n
    top = 100 // bucket_size - 1  # 100 falls in the last bucket
    per_bucket: dict[int, int] = {}
    for raw, n in stored.by_key("score").items():
        score = int(raw) if raw else 0
        bucket = top if score >= 100 else 0 if score < 0 else score // bucket_size
        per_bucket[bucket] = per_bucket.get(bucket, 0) + n
    histogram = [
        Bucket(
            low=i * bucket_size,
            high=min(100, (i + 1) * bucket_size - 1 if i < 100 // bucket_size - 1 else 100),
            count=per_bucket.get(i, 0),
        )
        for i in range(100 // bucket_size)
    ]
    queue = {
        s or "pending": n
        for s, n in session.execute(select(OutreachItem.status, func.count()).group_by(OutreachItem.status))
    }
    return Stats(
        contacts=stored.total("contacts"),
        spam_contacts=stored.total("spam"),
        messages=messages,
        inbound=messages - outbound,
        outbound=outbound,
        conversations=stored.total("conversations"),
        last_message_at=last,
        by_stage=by_stage,
        score_histogram=histogram,
        queue=queue,
    )
