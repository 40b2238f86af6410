"""Stop pages end a sync at once with nothing half written; `browser check` names a broken selector by key."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from everreach.browser.check import check_selectors
from everreach.browser.session import Browser
from everreach.browser.sync import InboxSync
from everreach.db.models import AutomationPattern, Contact
from tests.browser.inbox.conftest import seeded, stored
from tests.browser.inbox.fake_data import make_threads, now_utc

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("mode", "words"), [("login", "login page"), ("checkpoint", "security check")])
def test_login_wall_and_checkpoint_stop_before_anything(
    engine: Engine, start_fake: object, point_at: object, mode: str, words: str
) -> None:
    seeded(engine)
    fake = start_fake(make_threads(3, 10, now=now_utc()))  # type: ignore[operator]
    fake.modes.add(mode)
    settings = point_at(fake)  # type: ignore[operator]
    with Browser(settings) as browser:
        summary = InboxSync(engine, browser, settings).run(profiles=False)
    assert summary.stopped is not None
    assert words in summary.stopped
    assert summary.threads_opened == 0
    assert stored(engine) == {}


def test_try_again_later_mid_thread_leaves_no_half_thread(engine: Engine, start_fake: object, point_at: object) -> None:
    seeded(engine)
    now = now_utc()
    fake = start_fake(make_threads(6, 120, now=now, views={}), now=now)  # type: ignore[operator]
    fake.limit_after = 3 * 3 + 1  # three whole threads (3 pages each), then a block while loading the 4th's history
    settings = point_at(fake)  # type: ignore[operator]
    with Browser(settings) as browser:
        summary = InboxSync(engine, browser, settings).run(profiles=False)
    assert summary.stopped is not None
    assert "try again later" in summary.stopped
    counts = {u: len(rows) for u, rows in stored(engine).items()}
    assert sorted(counts.values()) == [120, 120, 120]
    assert summary.new_messages == 360


def test_check_reports_the_broken_selector_by_key_and_an_edit_repairs_it(
    engine: Engine, start_fake: object, point_at: object
) -> None:
    seeded(engine)
    fake = start_fake(make_threads(2, 10, now=now_utc(), views={}))  # type: ignore[operator]
    fake.modes.add("textbox_changed")
    settings = point_at(fake)  # type: ignore[operator]
    rows = {r.key: r for r in check_selectors(engine, settings)}
    assert rows["textbox"].status == "not found"
    assert rows["textbox"].problem
    assert [k for k, r in rows.items() if r.problem] == ["textbox"]
    for key in ("scroll_container", "conversation_label", "profile_link", "message_button", "profile_meta"):
        assert rows[key].status == "found", key
    assert rows["login_wall"].status == "not shown"
    with Session(engine) as session:
        session.execute(
            update(AutomationPattern)
            .where(AutomationPattern.pattern_key == "textbox")
            .values(pattern_value='div[aria-label="Message"][contenteditable="true"]')
        )
        session.commit()
    assert not any(r.problem for r in check_selectors(engine, settings))


def test_profiles_are_read_at_most_once_a_week(engine: Engine, start_fake: object, point_at: object) -> None:
    seeded(engine)
    fake = start_fake(make_threads(2, 5, now=now_utc(), views={}))  # type: ignore[operator]
    settings = point_at(fake)  # type: ignore[operator]
    with Browser(settings) as browser:
        first = InboxSync(engine, browser, settings).run()
        second = InboxSync(engine, browser, settings).run()
    assert first.profiles_read == 2
    assert second.profiles_read == 0
    assert sum(fake.profile_reads.values()) == 2
    with Session(engine) as session:
        contact = session.query(Contact).filter_by(instagram_username="friend.000").one()
    assert (contact.follower_count, contact.following_count) == (1234, 567)
    assert contact.bio == "building small things\nlondon"
    assert contact.display_name == "Friend 000"
    assert contact.profile_url is not None
    assert contact.profile_url.endswith("/friend.000/")
