"""dashboard_counts: what the triggers keep equals what rebuild() counts, after every kind of write."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, insert, text, update
from sqlalchemy.orm import Session

from everreach.db.models import Contact, Conversation, Message, StageChange
from everreach.relationship import counts, ranks

NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
EVERY_DAY = date(1970, 1, 1)


def _stored(session: Session) -> dict[tuple[str, str], int]:
    return {k: n for k, n in counts.read(session, since=EVERY_DAY).rows.items() if n}


def _rebuilt(session: Session) -> dict[tuple[str, str], int]:
    counts.rebuild(session.connection())
    return _stored(session)


def _contact(session: Session, username: str, **fields: object) -> uuid.UUID:
    contact_id = uuid.uuid4()
    session.execute(insert(Contact).values(id=contact_id, instagram_username=username, **fields))
    return contact_id


def _change(session: Session, contact_id: uuid.UUID, old: str | None, new: str, days_ago: int) -> uuid.UUID:
    change_id = uuid.uuid4()
    session.execute(
        insert(StageChange).values(
            id=change_id, contact_id=contact_id, from_stage=old, to_stage=new, reason="r",
            changed_at=NOW - timedelta(days=days_ago),
        )
    )  # fmt: skip
    return change_id


def _history(session: Session) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """Three contacts, their messages, a conversation and stage changes, written as an import would."""
    ann = _contact(session, "ann", relationship_score=70, relationship_stage="context_captured",
                   created_at=NOW - timedelta(days=40), tags=["vip"])  # fmt: skip
    bob = _contact(session, "bob", relationship_score=None, relationship_stage=None, created_at=NOW, tags=["spam"])
    cy = _contact(session, "cy", relationship_score=15, created_at=NOW - timedelta(days=3))
    session.execute(insert(Conversation).values(id=uuid.uuid4(), contact_id=ann, thread_id="t1"))
    session.execute(
        insert(Message),
        [
            {"id": uuid.uuid4(), "contact_id": cid, "message_text": f"hi {i}", "is_outbound": i % 2 == 0,
             "sent_at": NOW - timedelta(hours=i)}
            for i, cid in enumerate((ann, ann, bob, cy, cy, cy))
        ],
    )  # fmt: skip
    _change(session, ann, "first_touch", "context_captured", days_ago=20)
    _change(session, cy, None, "first_touch", days_ago=2)
    return ann, bob, cy


def test_inserts_are_counted_as_rebuild_counts_them(session: Session) -> None:
    _history(session)
    stored = _stored(session)
    assert stored[("contacts", "")] == 3
    assert stored[("spam", "")] == 1
    assert stored[("stage", "")] == 1  # bob's NULL stage is kept as ''; readers decide what it means
    assert stored[("score", "70")] == 1
    assert (stored[("messages", "")], stored[("outbound", "")], stored[("conversations", "")]) == (6, 3, 1)
    assert stored[("born", "2025-04-23|context_captured")] == 1
    assert stored[("moved", "2025-05-13|2025-04-23|first_touch|context_captured")] == 1
    assert stored == _rebuilt(session)


def test_updates_and_deletes_keep_the_counts_equal_to_rebuild(session: Session) -> None:
    ann, bob, cy = _history(session)
    session.execute(update(Contact).where(Contact.id == cy).values(relationship_stage="trust_signals"))
    session.execute(update(Contact).where(Contact.id == ann).values(relationship_score=88, tags=["spam"]))
    session.execute(update(Contact).where(Contact.id == bob).values(tags=[]))
    session.execute(update(Contact).where(Contact.id == cy).values(created_at=NOW - timedelta(days=9)))
    session.execute(update(Message).where(Message.contact_id == cy).values(is_outbound=True))
    assert _stored(session) == _rebuilt(session)
    # an identity merge moves one contact's history to another, then deletes it
    session.execute(update(StageChange).where(StageChange.contact_id == cy).values(contact_id=ann))
    session.execute(delete(Message).where(Message.contact_id == cy))
    session.execute(delete(Contact).where(Contact.id == cy))
    assert _stored(session) == _rebuilt(session)
    session.execute(delete(Contact).where(Contact.id == ann))  # its history and messages go with it
    stored = _stored(session)
    assert stored == _rebuilt(session)
    assert not any(name == "moved" for name, _ in stored)
    assert stored[("contacts", "")] == 1


def test_a_paused_recompute_rebuilds_the_stage_and_score_rows(session: Session) -> None:
    ann, bob, _ = _history(session)
    with ranks.paused(session.connection()):
        session.execute(update(Contact).values(relationship_score=55, relationship_stage="micro_win_delivered"))
        _change(session, bob, None, "micro_win_delivered", days_ago=0)
    stored = _stored(session)
    assert stored[("stage", "micro_win_delivered")] == 3
    assert stored[("score", "55")] == 3
    assert stored == _rebuilt(session)
    session.execute(update(Contact).where(Contact.id == ann).values(relationship_score=1))  # triggers are back
    assert _stored(session)[("score", "1")] == 1


def test_postgresql_folds_the_journal_rows_a_reader_sees(session: Session, engine_name: str) -> None:
    journal = text("SELECT count(*) FROM dashboard_count_journal")
    for i in range(counts.FOLD_AT // 4):
        _contact(session, f"user{i:03d}", relationship_score=i)
    mine = _stored(session)  # a transaction that has written never folds (its later rows would be lost)
    if engine_name == "postgresql":
        assert session.scalar(journal) == counts.FOLD_AT
    session.commit()
    with Session(session.get_bind()) as other:  # another transaction's rows, still running when a read folds
        _contact(other, "late", relationship_score=1)
        assert _stored(session) == mine  # folds the committed rows; it cannot see the running ones
        if engine_name == "postgresql":
            assert session.scalar(journal) == 0
        session.commit()
        other.commit()
    if engine_name == "postgresql":
        assert session.scalar(journal) == 4  # the late transaction's rows, left for the next fold
    assert _stored(session)[("contacts", "")] == mine[("contacts", "")] + 1 == counts.FOLD_AT // 4 + 1
    assert _stored(session) == _rebuilt(session)
