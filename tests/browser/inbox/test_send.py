"""The browser sender through the worker: 20 queued rows -> 20 bubbles, none twice, also across a kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from everreach import config
from everreach.db.models import AutomationPattern, Contact, OutreachItem
from everreach.outreach.queue import add_to_queue
from everreach.outreach.senders.browser import BrowserSender
from everreach.outreach.worker import Worker
from tests.browser.inbox.conftest import driver_env, env_without_everreach, seeded
from tests.browser.inbox.fake_data import make_threads, now_utc

pytestmark = pytest.mark.browser
PACING = {
    "EVERREACH_MIN_GAP_SECONDS": "0",
    "EVERREACH_MAX_GAP_SECONDS": "0",
    "EVERREACH_HOURLY_CAP": "1000",
    "EVERREACH_DAILY_CAP": "1000",
    "EVERREACH_ACTIVE_HOURS_START": "00:00",
    "EVERREACH_ACTIVE_HOURS_END": "23:59",
    "EVERREACH_CONTACT_COOLDOWN_HOURS": "0",
}


def _queue(engine: Engine, usernames: list[str], per_user: int) -> list[str]:
    texts: list[str] = []
    with Session(engine) as session:
        for u in usernames:
            if session.scalar(select(Contact.id).where(Contact.instagram_username == u)) is None:
                session.add(Contact(instagram_username=u))
        session.flush()
        for i in range(per_user):
            for u in usernames:
                text = f"hey {u}, quick one #{i}: how did the launch go?"
                add_to_queue(session, username=u, text=text, now=now_utc())
                texts.append(text)
                session.flush()
                # one open row per contact: the next waits until this one is sent
                if per_user > 1:
                    break
        session.commit()
    return texts


def _statuses(engine: Engine) -> list[tuple[str, str | None]]:
    with Session(engine) as session:
        return [(s, e) for s, e in session.execute(select(OutreachItem.status, OutreachItem.error))]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in PACING.items():
        monkeypatch.setenv(key, value)


def test_twenty_rows_twenty_bubbles_and_an_edited_selector_applies_at_once(
    engine: Engine, db_url: str, start_fake: object, point_at: object, env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("one engine is enough for the page side; the worker is tested on both elsewhere")
    seeded(engine)
    fake = start_fake(make_threads(20, 6, now=now_utc(), views={}))  # type: ignore[operator]
    monkeypatch.setenv("EVERREACH_DATABASE_URL", db_url)
    # The first send waits browser_wait_seconds for the textbox that is gone: 3 s, not the fixture's 10.
    settings = point_at(fake).model_copy(update={"browser_wait_seconds": 3.0})  # type: ignore[operator]
    users = [t.username for t in fake.threads.values()]
    texts = _queue(engine, users, 1)
    fake.modes.add("textbox_changed")  # the page changed: the seeded textbox selector no longer matches
    with Worker(engine, sender=BrowserSender(settings), settings=settings) as worker:
        step = worker.step()
        assert step.kind == "failed"
        assert "textbox" in (step.error or "")
        with Session(engine) as session:  # the user repairs the selector; the running worker sees it
            session.execute(update(AutomationPattern).where(AutomationPattern.pattern_key == "textbox").values(
                pattern_value='div[aria-label="Message"][contenteditable="true"]'))  # fmt: skip
            failed = session.scalars(select(OutreachItem).where(OutreachItem.status == "failed")).one()
            failed.status, failed.error = "pending", None
            session.commit()
        for _ in range(25):
            if worker.step().kind == "idle":
                break
    assert sorted(t for _id, t in fake.sent) == sorted(texts)
    assert [s for s, _ in _statuses(engine)] == ["sent"] * 20
    config.reset()


def test_kill_minus_nine_mid_send_never_sends_twice(
    db_url: str, engine: Engine, start_fake: object, tmp_path: Path
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("the worker's kill -9 recovery is tested on both engines in tests/faults")
    seeded(engine)
    fake = start_fake(make_threads(20, 4, now=now_utc(), views={}))  # type: ignore[operator]
    users = [t.username for t in fake.threads.values()]
    texts = _queue(engine, users, 1)
    env = {**env_without_everreach(), **driver_env(tmp_path / "data", fake.url), **PACING,  # type: ignore[attr-defined]
           "EVERREACH_DATABASE_URL": db_url, "EVERREACH_CONFIG": str(tmp_path / "none.toml")}  # fmt: skip
    cmd = [str(Path(sys.executable).with_name("everreach")), "worker", "--sender", "browser", "--drain"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while len(fake.sent) < 8 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)  # the worker and its Chromium
    proc.wait()
    assert len(fake.sent) >= 8
    second = subprocess.run(cmd, env=env, capture_output=True, timeout=300, check=False)
    assert second.returncode == 0, second.stderr.decode()
    sent_texts = [t for _id, t in fake.sent]
    assert len(sent_texts) == len(set(sent_texts))  # none twice
    statuses = _statuses(engine)
    interrupted = [s for s, e in statuses if s == "failed"]
    assert all("delivery unknown" in (e or "") for s, e in statuses if s == "failed")
    assert len(interrupted) <= 1
    # every row is either sent, or failed as "delivery unknown" and never typed again
    assert sorted(sent_texts) == sorted(texts) or len(sent_texts) == len(texts) - len(interrupted)
