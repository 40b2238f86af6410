"""Fixtures for the web inbox tests: a fake inbox on a loopback port and settings that point the driver at it."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from everreach import config
from everreach.db.models import Contact, Message
from everreach.seed.defaults import seed_defaults
from tests.browser.inbox.fake_data import FakeThread
from tests.browser.inbox.fake_inbox import FakeInbox

CHROMIUM = Path("/usr/bin/chromium")
TZ = "America/New_York"


def driver_env(data_dir: Path, inbox_url: str) -> dict[str, str]:
    """EVERREACH_* settings for a fast, headless driver on the fake (also given to subprocesses)."""
    return {
        "EVERREACH_DATA_DIR": str(data_dir),
        "EVERREACH_INBOX_URL": inbox_url,
        "EVERREACH_BROWSER_EXECUTABLE": str(CHROMIUM),
        "EVERREACH_BROWSER_HEADLESS": "true",
        "EVERREACH_BROWSER_ARGS": '["--disable-background-networking", "--disable-gpu"]',
        "EVERREACH_TIMEZONE": TZ,
        "EVERREACH_BROWSER_PAUSE_MIN_SECONDS": "0",
        "EVERREACH_BROWSER_PAUSE_MAX_SECONDS": "0.01",
        "EVERREACH_BROWSER_TYPING_MIN_MS": "0",
        "EVERREACH_BROWSER_TYPING_MAX_MS": "1",
        "EVERREACH_BROWSER_WAIT_SECONDS": "10",
        "EVERREACH_BROWSER_SETTLE_SECONDS": "0.5",
        "EVERREACH_BROWSER_CONFIRM_SECONDS": "5",
        "EVERREACH_BROWSER_RECHECK_SECONDS": "0.05",
        "EVERREACH_BROWSER_POLL_SECONDS": "0.01",
    }


@pytest.fixture
def start_fake() -> Iterator[Callable[..., FakeInbox]]:
    """Start fake inboxes for a test; all are stopped afterwards."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium missing: run `make chromium` (apt-get install -y chromium)")
    started: list[FakeInbox] = []

    def start(threads: list[FakeThread], **kw: object) -> FakeInbox:
        fake = FakeInbox(threads, tz=TZ, **kw)  # type: ignore[arg-type]
        fake.url = fake.start()  # type: ignore[attr-defined]
        started.append(fake)
        return fake

    yield start
    for fake in started:
        fake.stop()


@pytest.fixture
def point_at(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[FakeInbox], config.Settings]:
    """Point the settings at a fake inbox; returns the settings."""

    def point(fake: FakeInbox) -> config.Settings:
        for key, value in driver_env(tmp_path / "data", fake.url).items():  # type: ignore[attr-defined]
            monkeypatch.setenv(key, value)
        config.reset()
        return config.get_settings()

    return point


def seeded(engine: Engine) -> Engine:
    """The engine, with the default patterns loaded."""
    with Session(engine) as session:
        seed_defaults(session)
        session.commit()
    return engine


def stored(engine: Engine) -> dict[str, list[Message]]:
    """Stored messages per username."""
    out: dict[str, list[Message]] = {}
    with Session(engine) as session:
        for msg, username in session.execute(
            select(Message, Contact.instagram_username).join(Contact, Contact.id == Message.contact_id)
        ):
            out.setdefault(username, []).append(msg)
    return out


def env_without_everreach() -> dict[str, str]:
    """The environment minus every EVERREACH_ variable (subprocesses get theirs explicitly)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("EVERREACH_") or k.startswith("EVERREACH_TEST_")}


def make_settings(data_dir: Path, inbox_url: str) -> config.Settings:
    """Settings built directly (for module-scoped fixtures, which run outside the per-test environment)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EVERREACH_CONFIG", str(data_dir / "no-config.toml"))
        values: dict[str, object] = {
            k.removeprefix("EVERREACH_").lower(): v for k, v in driver_env(data_dir, inbox_url).items()
        }
        values["browser_args"] = json.loads(str(values["browser_args"]))
        return config.Settings(**values)  # type: ignore[arg-type]
