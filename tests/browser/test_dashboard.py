"""The dashboard in real headless Chromium against a uvicorn server on a free loopback port (SQLite only)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session

from everreach.db.engine import make_engine
from everreach.db.migrate import upgrade
from everreach.relationship.service import recompute_all
from everreach.seed.defaults import seed_defaults
from tests.http.conftest import add_contact, add_messages

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
XSS_SCRIPT = "<script>window.__xss = 1</script>"
XSS_IMG = '<img src=x onerror="window.__xss = 2">'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def populate(url: str) -> None:
    """A small believable book of contacts: seeded templates, conversations weeks old, one XSS message."""
    engine = make_engine(url)
    upgrade(engine)
    old = datetime.now(UTC) - timedelta(days=20)
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
        for i in range(6):
            c = add_contact(session, f"friend{i}", display_name=f"Friend {i}")
            add_messages(
                session,
                c,
                [(f"hi there {i}, how is the launch going?", True), ("going well!", False)],
                start=old - timedelta(days=10 * i),
            )
        session.commit()
        recompute_all(session)
        session.commit()
    engine.dispose()


@pytest.fixture(scope="module")
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
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield b
        b.close()


@pytest.fixture(params=[("desktop", 1280, 900), ("phone", 390, 844)], ids=["desktop", "phone"])
def page(request: pytest.FixtureRequest, browser: object) -> Iterator[object]:
    name, width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
    pg = context.new_page()
    pg.screen_name = name
    yield pg
    context.close()


def shot(page: object, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{page.screen_name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_today_contact_context_queue_search(server: str, page: object) -> None:
    p: object = page
    p.goto(server + "/")  # type: ignore[attr-defined]
    assert p.locator("h1").inner_text() == "Today"  # type: ignore[attr-defined]
    shot(p, "01-today")

    # open a contact from Today
    p.locator("a[href='/contacts/jane.builds']").first.click()  # type: ignore[attr-defined]
    p.wait_for_url("**/contacts/jane.builds")  # type: ignore[attr-defined]
    shot(p, "02-contact")
    # The server is shared by both screen sizes: start from an empty card so the score can rise.
    for field in ("what_theyre_building", "current_friction", "their_definition_of_win"):
        p.fill(f"#cc-{field}", "")  # type: ignore[attr-defined]
    p.click("#save-context")  # type: ignore[attr-defined]
    p.wait_for_selector(".flash")  # type: ignore[attr-defined]
    before = int(p.locator("#score").inner_text())  # type: ignore[attr-defined]

    # edit the context card: the score goes up
    p.fill("#cc-what_theyre_building", "a tiny saas for yoga studios")  # type: ignore[attr-defined]
    p.fill("#cc-current_friction", "forgets to follow up with leads")  # type: ignore[attr-defined]
    p.fill("#cc-their_definition_of_win", "20 paying studios")  # type: ignore[attr-defined]
    p.click("#save-context")  # type: ignore[attr-defined]
    p.wait_for_selector(".flash")  # type: ignore[attr-defined]
    after = int(p.locator("#score").inner_text())  # type: ignore[attr-defined]
    assert after > before
    assert "Score is now" in p.locator(".flash").inner_text()  # type: ignore[attr-defined]
    shot(p, "03-contact-after-context")

    # queue a suggestion from Today with one click (htmx), then see it in the queue
    p.goto(server + "/")  # type: ignore[attr-defined]
    button = p.locator("button", has_text="Queue suggestion").first  # type: ignore[attr-defined]
    who = button.locator("xpath=ancestor::div[contains(@class,'person')]//a").first.inner_text().lstrip("@")
    button.click()
    p.wait_for_selector("text=Queued ✓")  # type: ignore[attr-defined]
    p.goto(server + "/queue")  # type: ignore[attr-defined]
    assert p.locator("#queue-table").inner_text().count(f"@{who}") >= 1  # type: ignore[attr-defined]
    shot(p, "04-queue")

    # search
    p.fill("form.quicksearch input[name=q]", "follow up")  # type: ignore[attr-defined]
    p.press("form.quicksearch input[name=q]", "Enter")  # type: ignore[attr-defined]
    p.wait_for_url("**/search?q=follow+up")  # type: ignore[attr-defined]
    assert "keep forgetting to follow up" in p.locator("#results").inner_text()  # type: ignore[attr-defined]
    shot(p, "05-search")

    for path, name in [("/contacts", "06-contacts"), ("/pipeline", "07-pipeline"), ("/settings", "08-settings"),
                       ("/import", "09-import")]:  # fmt: skip
        p.goto(server + path)  # type: ignore[attr-defined]
        shot(p, name)


def test_xss_message_renders_inert(server: str, page: object) -> None:
    p: object = page
    p.goto(server + "/contacts/mallory")  # type: ignore[attr-defined]
    chat = p.locator("#conversation").inner_text()  # type: ignore[attr-defined]
    assert XSS_SCRIPT in chat
    assert XSS_IMG in chat
    assert p.evaluate("window.__xss") is None  # type: ignore[attr-defined]
    assert p.locator("#conversation img").count() == 0  # type: ignore[attr-defined]
    p.goto(server + "/search?q=onerror")  # type: ignore[attr-defined]
    assert XSS_IMG in p.locator("#results").inner_text()  # type: ignore[attr-defined]
    assert p.evaluate("window.__xss") is None  # type: ignore[attr-defined]
    shot(p, "10-xss-inert")
