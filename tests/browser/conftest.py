"""The dashboard in real headless Chromium against `everreach serve` on a free loopback port (SQLite).

Every test runs at 1280 px and at 390 px; screenshots go to test-artifacts/screenshots/ (git-ignored).
`check_page` asserts no horizontal scroll and no serious or critical axe-core violation (axe vendored in vendor/).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from everreach.db.engine import make_engine
from everreach.db.migrate import upgrade
from everreach.db.models import Contact, StageChange
from everreach.relationship.service import recompute_all
from everreach.seed.defaults import seed_defaults
from tests.http.conftest import add_contact, add_messages

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
XSS_SCRIPT = "<script>window.__xss = 1</script>"
XSS_IMG = '<img src=x onerror="window.__xss = 2">'
LAUNCH_MESSAGES = 60  # more than one page of search results


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def populate(url: str) -> None:
    """A small believable book: seeded templates, conversations weeks old, stage changes over weeks, one XSS."""
    engine = make_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    old = now - timedelta(days=20)
    with Session(engine) as session:
        seed_defaults(session)
        jane = add_contact(session, "jane.builds", display_name="Jane Okafor")
        add_messages(
            session,
            jane,
            [
                ("hey! loved your post about shipping small", False),
                ("thank you!! what are you working on these days?", True),
                ("a tiny saas for yoga studios, honestly i keep forgetting to follow up with people", False),
                ("ha, same. want me to send the checklist i use?", True),
            ],
            start=old,
        )
        mallory = add_contact(session, "mallory", display_name=f"Mal {XSS_IMG}")
        add_messages(session, mallory, [(XSS_SCRIPT, False), (f"look {XSS_IMG}", False)], start=old)
        for i in range(8):
            c = add_contact(session, f"friend{i}", display_name=f"Friend Number {i}")
            add_messages(
                session,
                c,
                [(f"hi there {i}, how is the launch going?", True), ("going well, thanks for asking!", False)],
                start=old - timedelta(days=10 * i),
            )
        talker = add_contact(session, "launch.talker", display_name="Lou Launch")
        add_messages(
            session, talker, [(f"launch update number {n}", n % 2 == 0) for n in range(LAUNCH_MESSAGES)], start=old
        )
        session.flush()
        session.execute(update(Contact).values(created_at=now - timedelta(days=120)))
        # Stage changes spread over the last weeks, so the weekly chart has a shape.
        friends = session.query(Contact).filter(Contact.instagram_username.like("friend%")).all()
        for n, contact in enumerate(friends):
            at = now - timedelta(days=7 * (n + 2))
            session.add(
                StageChange(
                    contact_id=contact.id,
                    from_stage="first_touch",
                    to_stage="context_captured",
                    reason="knows what they are building",
                    source="user",
                    changed_at=at,
                )
            )
            contact.relationship_stage = "context_captured"
        session.commit()
        recompute_all(session)
        session.commit()
    engine.dispose()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.fail("Chromium missing: run `make chromium` (apt-get install -y chromium)")
    tmp = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{tmp / 'everreach.db'}"
    populate(url)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVERREACH_")}
    env.update(EVERREACH_DATABASE_URL=url, EVERREACH_DATA_DIR=str(tmp), EVERREACH_CONFIG=str(tmp / "none.toml"))
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("everreach")), "serve", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(base + "/static/app.css", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.stdout.read().decode() if proc.stdout else ""
                pytest.fail(f"server did not start: {out}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per test module: Playwright's sync API allows one instance per thread at a time, and the
    inbox tests start their own (a session-wide one would break them when a parallel worker runs them later)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield b
        b.close()


@pytest.fixture(params=[("desktop", 1280, 900), ("phone", 390, 844)], ids=["desktop", "phone"])
def page(request: pytest.FixtureRequest, browser: Any, server: str) -> Iterator[Any]:
    name, width, height = request.param
    context = browser.new_context(
        viewport={"width": width, "height": height}, bypass_csp=True
    )  # axe is injected inline; tests/browser/test_csp.py checks the policy itself
    outside: list[str] = []

    def only_local(route: Any) -> None:
        # Everything must come from this server: a CDN request is a failure, not a slow page.
        if route.request.url.startswith(server):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    pg = context.new_page()
    pg.screen_name = name
    pg.outside_requests = outside
    pg.set_default_timeout(10_000)
    yield pg
    context.close()
    assert outside == [], f"requests outside the server: {outside}"


def shot(page: Any, name: str) -> None:
    """A full-page screenshot named after the step and the screen size."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{page.screen_name}.png"), full_page=True)


def axe_violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, one line each."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => `${v.impact} ${v.id}: ${v.help} (${v.nodes.length}x) ` +
                        v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
        }"""
    )
    return list(found)


def fits(page: Any, name: str) -> None:
    """Screenshot and no horizontal scroll."""
    shot(page, name)
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{name}: horizontal scroll at {page.screen_name} ({width[0]} > {width[1]})"


def check_page(page: Any, name: str) -> None:
    """Screenshot, no horizontal scroll, and no serious or critical accessibility violation."""
    fits(page, name)
    problems = axe_violations(page)
    assert problems == [], f"{name} at {page.screen_name}: " + "\n".join(problems)
