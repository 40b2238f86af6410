"""A text over the stored limit is cut by every writer, as an import cuts it, the whole text kept in raw_data.

The seed's unique index (contact, text, time) cannot hold an index row over about 2,700 bytes on PostgreSQL, so
an uncut 1,000-emoji DM (4,000 UTF-8 bytes, which compresses too little to fit) failed the webhook and the
browser sync there with ProgramLimitExceeded.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from everreach.browser.store import SyncedThread, SyncStore
from everreach.browser.thread import PageMessage
from everreach.browser.times import Window
from everreach.db.models import Message
from everreach.db.models_v2 import MessageFeature
from everreach.ingest.text import MAX_TEXT_BYTES, TRUNCATION_MARK
from everreach.messages.webhook import store_events
from everreach.messages.webhook_payload import parse_notification

OWNER, USER = "17841400000000001", "1234567890123456"
NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
#: 1,000 different emoji (4 bytes each): too long, and too varied for PostgreSQL to compress into the index.
LONG = "".join(chr(0x1F300 + (i * 7919) % 700) for i in range(1000))


def _stored(session: Session, mid_text_start: str) -> tuple[Message, MessageFeature]:
    session.expire_all()
    message = session.scalars(select(Message).where(Message.message_text.startswith(mid_text_start))).one()
    feature = session.get(MessageFeature, message.id)
    assert feature is not None
    return message, feature


def _assert_cut(message: Message, feature: MessageFeature) -> None:
    assert len(message.message_text.encode("utf-8")) <= MAX_TEXT_BYTES
    assert message.message_text.endswith(TRUNCATION_MARK)
    assert LONG.startswith(message.message_text.removesuffix(TRUNCATION_MARK))
    raw: dict[str, Any] = message.raw_data or {}
    assert raw["full_text"] == LONG
    assert feature.length == len(message.message_text)


def test_a_webhook_message_over_the_limit_is_cut_and_kept_whole(session: Session) -> None:
    event = {"sender": {"id": USER}, "recipient": {"id": OWNER}, "timestamp": 1718000000000,
             "message": {"mid": "mid.long", "text": LONG}}  # fmt: skip
    notification = {"object": "instagram", "entry": [{"id": OWNER, "time": 1718000000000, "messaging": [event]}]}
    parsed, ignored = parse_notification(notification, now=NOW)
    store_events(session, parsed, ignored=ignored)
    session.commit()
    _assert_cut(*_stored(session, LONG[:10]))
    # The same delivery again is the same message (its cut text dedupes).
    parsed, ignored = parse_notification(notification, now=NOW)
    store_events(session, parsed, ignored=ignored)
    session.commit()
    assert len(session.scalars(select(Message.id)).all()) == 1


def test_a_synced_message_over_the_limit_is_cut_and_kept_whole(engine: Engine, session: Session) -> None:
    store = SyncStore(engine)
    try:
        window = Window(NOW - timedelta(hours=1), NOW, None)
        thread = SyncedThread("t1", "longsync", None, "primary", [PageMessage(LONG, "text", False, "m1", window, 0)])
        assert store.save_thread(thread) == 1
    finally:
        store.close()
    _assert_cut(*_stored(session, LONG[:10]))


def test_a_lone_surrogate_does_not_break_the_cut() -> None:
    """Unstorable text is scrubbed elsewhere; the length rule itself must still answer, not raise."""
    from everreach.messages.limits import fit_text

    cut, was_cut = fit_text("a" * 2100 + "\ud800")
    assert was_cut
    assert cut == "a" * (MAX_TEXT_BYTES - len(TRUNCATION_MARK.encode())) + TRUNCATION_MARK
    assert fit_text("b" * 600 + "\ud800") == ("b" * 600 + "\ud800", False)
