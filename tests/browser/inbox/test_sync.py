"""Sync of the fake web inbox in real headless Chromium: exact counts, directions, time windows, noise, dedupe."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from everreach.browser.session import Browser
from everreach.browser.store import THREAD_PREFIX
from everreach.browser.sync import InboxSync, SyncSummary
from everreach.db.engine import make_engine
from everreach.db.migrate import upgrade
from everreach.db.models import Contact, Conversation, Message, MessageExternalId
from everreach.ingest import import_export
from tests.browser.inbox.conftest import TZ, make_settings, seeded, stored
from tests.browser.inbox.fake_data import FakeThread, groups, make_threads, now_utc
from tests.browser.inbox.fake_inbox import PAGE_ROWS, FakeInbox

pytestmark = pytest.mark.browser
NOISE = {"Seen", "Edited", "Replied to you", "Original message:", "View profile", "Loading..."}


def _first_reading(at: datetime) -> datetime:
    """The earliest instant the local wall-clock time of `at` can mean (itself, unless it is shown twice)."""
    local = at.astimezone(ZoneInfo(TZ))
    return min(at, local.replace(fold=0).astimezone(UTC))


def windows(thread: FakeThread, now: object) -> list[tuple[object, object]]:
    """The true window of each message: its group's first time (to the minute) to the next group's.

    A group whose label is a wall-clock time shown twice (the autumn clock change) may start at the earlier
    reading, when the labels around it do not tell which (everreach.browser.times.resolve_repeated).
    """
    starts = groups(thread.messages)
    floor = [_first_reading(thread.messages[s].at.replace(second=0, microsecond=0)) for s in starts]
    out = []
    for g, s in enumerate(starts):
        end = floor[g + 1] + timedelta(minutes=1) if g + 1 < len(starts) else now + timedelta(minutes=2)  # type: ignore[operator]
        stop = starts[g + 1] if g + 1 < len(starts) else len(thread.messages)
        out.extend([(floor[g], end)] * (stop - s))
    return out


@pytest.fixture(scope="module")
def big(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Engine, FakeInbox, SyncSummary, SyncSummary, object]]:
    """50 threads x 200 messages, synced twice (the second run must add nothing)."""
    tmp = tmp_path_factory.mktemp("big")
    engine = make_engine(f"sqlite:///{tmp / 'everreach.db'}")
    upgrade(engine)
    seeded(engine)
    now = now_utc()
    fake = FakeInbox(make_threads(50, 200, now=now), tz=TZ, now=now)
    url = fake.start()
    settings = make_settings(tmp / "data", url)
    try:
        with Browser(settings) as browser:
            first = InboxSync(engine, browser, settings).run(profiles=False)
            opens_after_first = dict(fake.thread_opens)
            pages_after_first = dict(fake.list_pages)
            second = InboxSync(engine, browser, settings).run(profiles=False)
        fake.opens_second = {k: v - opens_after_first.get(k, 0) for k, v in fake.thread_opens.items()}  # type: ignore[attr-defined]
        fake.pages_second = {k: v - pages_after_first.get(k, 0) for k, v in fake.list_pages.items()}  # type: ignore[attr-defined]
        yield engine, fake, first, second, now
    finally:
        fake.stop()
        engine.dispose()


def test_sync_stores_every_message_once_with_direction_and_window(big: tuple) -> None:
    engine, fake, first, _second, now = big
    assert first.ok, first.stopped
    assert first.threads_opened == 50
    assert first.new_messages == 10_000
    by_user = stored(engine)
    for thread in fake.threads.values():
        rows = by_user[thread.username]
        assert len(rows) == 200, thread.username
        by_mid = {m.raw_data["mid"]: m for m in rows if m.raw_data and m.raw_data.get("mid")}
        by_text = {m.message_text: m for m in rows}
        for truth, (low, high) in zip(thread.messages, windows(thread, now), strict=True):
            row = by_mid[truth.mid] if truth.mid else by_text[truth.text]
            expected = truth.text if truth.kind == "text" else f"[{truth.kind}]"
            assert row.message_text == expected
            assert row.message_type == truth.kind
            assert row.is_outbound == truth.outbound
            assert low <= row.sent_at < high, (thread.username, truth.text, row.sent_at, low, high)


def test_requests_are_stored_with_their_tab(big: tuple) -> None:
    engine, fake, *_ = big
    with Session(engine) as session:
        tabs = dict(session.execute(
            select(Contact.instagram_username, Conversation.tab).join(
                Conversation, Conversation.contact_id == Contact.id
            )
        ).all())  # fmt: skip
        thread_ids = set(session.scalars(select(Conversation.thread_id)))
    for thread in fake.threads.values():
        assert tabs[thread.username] == thread.view
        assert THREAD_PREFIX + thread.id in thread_ids


def test_noise_lines_are_never_stored(big: tuple) -> None:
    engine, _fake, first, *_ = big
    assert first.noise_lines > 0
    with Session(engine) as session:
        texts = session.scalars(select(Message.message_text)).all()
    for text in texts:
        assert not NOISE & set(text.splitlines()), text
        assert "sent a photo" not in text
        assert "sent an attachment" not in text


def test_message_ids_are_kept(big: tuple) -> None:
    engine, fake, *_ = big
    mids = {m.mid for t in fake.threads.values() for m in t.messages if m.mid}
    with Session(engine) as session:
        known = set(session.scalars(select(MessageExternalId.external_id)))
    assert known == mids


def test_second_sync_adds_nothing_and_stops_at_the_first_unchanged_threads(big: tuple) -> None:
    engine, fake, _first, second, _now = big
    assert second.ok, second.stopped
    assert second.new_messages == 0
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 10_000
    # three unchanged threads per view end the walk: nothing beyond the first page of the list is loaded
    assert sum(fake.opens_second.values()) == second.threads_opened <= 3 * 3
    assert all(page == 0 for (_view, page), n in fake.pages_second.items() if n)
    assert len(fake.ordered("primary")) > PAGE_ROWS


def _export(tmp: Path, thread: FakeThread, count: int) -> Path:
    folder = tmp / "export" / "your_instagram_activity" / "messages" / "inbox" / f"{thread.username}_1234567890"
    folder.mkdir(parents=True)
    doc = {
        "participants": [{"name": thread.name}, {"name": "Me Owner"}],
        "title": thread.name,
        "messages": [
            {"sender_name": "Me Owner" if m.outbound else thread.name, "timestamp_ms": int(m.at.timestamp() * 1000),
             "content": m.text}
            for m in reversed(thread.messages[:count])
        ],
    }  # fmt: skip
    (folder / "message_1.json").write_text(json.dumps(doc), encoding="utf-8")
    return tmp / "export"


def test_thread_imported_from_the_export_then_synced_is_stored_once(
    engine: Engine, tmp_path: Path, start_fake: object, point_at: object
) -> None:
    seeded(engine)
    now = now_utc()
    threads = make_threads(3, 80, now=now, seed=11, views={})
    for t in threads:
        for m in t.messages:
            m.kind = "text"  # the export has their texts
    exported = threads[1]
    fake = start_fake(threads, now=now)  # type: ignore[operator]
    settings = point_at(fake)  # type: ignore[operator]
    summary = import_export(engine, _export(tmp_path, exported, 60), owner="Me Owner")
    assert summary.messages_new == 60
    with Browser(settings) as browser:
        result = InboxSync(engine, browser, settings).run(profiles=False)
    assert result.ok, result.stopped
    assert result.new_messages == 80 + 20 + 80
    rows = stored(engine)[exported.username]
    assert len(rows) == 80
    assert sorted(m.message_text for m in rows) == sorted(m.text for m in exported.messages)
    assert {m.is_outbound for m in rows if m.message_text == exported.messages[5].text} == {
        exported.messages[5].outbound
    }
