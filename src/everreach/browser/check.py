"""`everreach browser check`: load the inbox, a thread and a profile, and test every selector row on its page."""

from __future__ import annotations

import contextlib

from pydantic import BaseModel
from sqlalchemy import Engine

from everreach.browser.inbox import ThreadList
from everreach.browser.patterns import SELECTOR_USES, Patterns, load_patterns
from everreach.browser.session import Browser, poll_seconds
from everreach.config import Settings


class SelectorCheck(BaseModel):
    """One selector row and what the page showed for it."""

    key: str
    selector: str
    page: str
    matches: int | None
    status: str  # found | not found | ambiguous | not shown | shown | not checked | missing row | not used
    problem: bool
    purpose: str


def _status(key: str, count: int) -> tuple[str, bool]:
    expect = SELECTOR_USES[key].expect
    if expect == "absent":
        return ("shown", True) if count else ("not shown", False)
    if count == 0:
        return "not found", expect in ("one", "many")
    if expect == "one" and count > 1:
        return "ambiguous", True
    return "found", False


def _count(browser: Browser, css: str, scope: str | None = None) -> int:
    locator = browser.page.locator(scope).first.locator(css) if scope else browser.page.locator(css)
    return int(locator.count())


def check_selectors(engine: Engine, settings: Settings, *, headless: bool | None = None) -> list[SelectorCheck]:
    """Every selector row with its status on the page it belongs to (inbox, first thread, its profile)."""
    patterns = load_patterns(engine)
    counts: dict[str, int] = {}
    pages: dict[str, str] = {}
    with Browser(settings, headless=headless) as browser:
        browser.goto(browser.site.inbox, patterns)
        thread_list = ThreadList(browser, wait_seconds=settings.browser_wait_seconds,
                                 settle_seconds=settings.browser_settle_seconds,
                                 poll_seconds=poll_seconds(settings))  # fmt: skip
        with contextlib.suppress(Exception):  # an empty or broken list is reported below, by key
            thread_list.wait_ready(patterns)
            thread_list.rows(patterns).first.wait_for(state="attached")
        _measure(browser, patterns, "inbox", counts, pages)
        username = None
        rows = patterns.selectors.get("scroll_container") and patterns.selectors.get("button")
        if rows and counts.get("button"):
            try:
                opened = thread_list.open(patterns, 0, previous=None)
                username = opened.username
            except Exception:  # a broken selector is what check reports, not a crash
                username = None
            _measure(browser, patterns, "thread", counts, pages)
        if username:
            browser.goto(browser.site.profile(username), patterns)
            _measure(browser, patterns, "profile", counts, pages)
    return _report(patterns, counts, pages)


def _measure(browser: Browser, patterns: Patterns, page: str, counts: dict[str, int], pages: dict[str, str]) -> None:
    conv = patterns.selectors.get("conversation_label")
    for key, use in SELECTOR_USES.items():
        css = patterns.selectors.get(key)
        if not css or use.page not in (page, "any") or (use.page == "any" and key in counts):
            continue
        scope = None
        if key == "button":
            scope = patterns.selectors.get("scroll_container")
        elif page == "thread" and key in ("message_row", "message_id", "profile_link", "history_start") and conv:
            scope = conv
        try:
            counts[key] = _count(browser, css, scope)
        except Exception:  # an invalid selector matches nothing
            counts[key] = 0
        pages[key] = page


def _report(patterns: Patterns, counts: dict[str, int], pages: dict[str, str]) -> list[SelectorCheck]:
    out: list[SelectorCheck] = []
    for key, use in SELECTOR_USES.items():
        css = patterns.selectors.get(key)
        if not css:
            out.append(SelectorCheck(key=key, selector="", page=use.page, matches=None, status="missing row",
                                     problem=True, purpose=use.purpose))  # fmt: skip
            continue
        if key == "send_button":
            out.append(SelectorCheck(key=key, selector=css, page=use.page, matches=None,
                                     status="not checked", problem=False, purpose=use.purpose))  # fmt: skip
            continue
        if key not in counts:
            out.append(SelectorCheck(key=key, selector=css, page=use.page, matches=None, status="not checked",
                                     problem=use.expect in ("one", "many"), purpose=use.purpose))  # fmt: skip
            continue
        status, problem = _status(key, counts[key])
        out.append(SelectorCheck(key=key, selector=css, page=pages[key], matches=counts[key], status=status,
                                 problem=problem, purpose=use.purpose))  # fmt: skip
    for key, css in sorted(patterns.selectors.items()):
        if key not in SELECTOR_USES:
            out.append(SelectorCheck(key=key, selector=css, page="-", matches=None, status="not used",
                                     problem=False, purpose="not read by the browser driver"))  # fmt: skip
    return out
