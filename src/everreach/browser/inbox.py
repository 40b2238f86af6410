"""The thread list of an inbox view: its lazily loaded rows, and opening one (the thread id comes from the URL)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from everreach.browser import page_js
from everreach.browser.patterns import THREAD_URL, Patterns
from everreach.browser.session import READ_POLL_SECONDS, Browser
from everreach.browser.thread import ThreadLayoutError
from everreach.contacts.usernames import normalise_username

#: Stop loading the thread list after this many scrolls that brought no new rows.
EMPTY_ROUNDS = 2


@dataclass(frozen=True, slots=True)
class OpenThread:
    """A thread opened from the list: its id, the contact's username, and the name the row shows."""

    thread_id: str
    username: str | None
    display_name: str | None


def thread_id_of(url: str) -> str | None:
    """The thread id in a `/direct/t/<id>/` URL."""
    found = THREAD_URL.search(urlsplit(url).path)
    return found.group(1) if found else None


class ThreadList:
    """Rows of the current view, loaded by scrolling its scroll container."""

    def __init__(
        self, browser: Browser, *, wait_seconds: float, settle_seconds: float, poll_seconds: float = READ_POLL_SECONDS
    ) -> None:
        self.browser = browser
        self.wait_seconds = wait_seconds
        self.settle_seconds = settle_seconds
        self.poll_seconds = poll_seconds

    def wait_ready(self, patterns: Patterns) -> None:
        """Wait for the thread list; a clear error naming the selector when it never shows."""
        try:
            self.browser.page.locator(patterns.css("scroll_container")).first.wait_for(state="attached")
        except Exception as exc:
            self.browser.guard(patterns)
            raise ThreadLayoutError(
                "the inbox shows no thread list: selector 'scroll_container' matches nothing (repair it, then run "
                "`everreach browser check`)"
            ) from exc

    def rows(self, patterns: Patterns) -> Any:
        """A locator of the view's thread rows (the `button` rows inside `scroll_container`)."""
        return self.browser.page.locator(patterns.css("scroll_container")).first.locator(patterns.css("button"))

    def load_more(self, patterns: Patterns) -> bool:
        """Scroll to the list's end; True when more rows came, False after EMPTY_ROUNDS scrolls without any."""
        rows = self.rows(patterns)
        before = int(rows.count())
        container = self.browser.page.locator(patterns.css("scroll_container")).first
        for _ in range(EMPTY_ROUNDS):
            container.evaluate(page_js.SCROLL_LIST)
            deadline = time.monotonic() + self.settle_seconds
            while time.monotonic() < deadline:
                time.sleep(self.poll_seconds)
                if int(rows.count()) > before:
                    return True
        return False

    def open(self, patterns: Patterns, index: int, *, previous: str | None) -> OpenThread:
        """Click row `index` and wait until its thread is open (a new thread id in the URL)."""
        page = self.browser.page
        row = self.rows(patterns).nth(index)
        lines = [line.strip() for line in str(row.inner_text()).splitlines() if line.strip()]
        names = [line for line in lines if not patterns.noise.is_noise(line)]
        row.click()
        deadline = time.monotonic() + self.wait_seconds
        thread_id = thread_id_of(str(page.url))
        while thread_id is None or thread_id == previous:
            if time.monotonic() > deadline:
                self.browser.guard(patterns)
                raise ThreadLayoutError(f"clicking thread row {index + 1} opened no thread (URL {page.url})")
            time.sleep(self.poll_seconds)
            thread_id = thread_id_of(str(page.url))
        self.browser.guard(patterns)
        return OpenThread(thread_id, self.username(patterns), names[0] if names else None)

    def username(self, patterns: Patterns) -> str | None:
        """The contact's username from the thread header's profile link (`href="/<username>/"`)."""
        page = self.browser.page
        conv = page.locator(patterns.css("conversation_label")).first
        try:
            conv.wait_for(state="attached")
            link = conv.locator(patterns.css("profile_link")).first
            link.wait_for(state="attached", timeout=self.wait_seconds * 1000)
        except Exception:  # a missing header link is reported by the caller, by selector key
            return None
        href = str(link.get_attribute("href") or "")
        parts = [p for p in urlsplit(href).path.split("/") if p]
        return normalise_username(parts[0]) if len(parts) == 1 else None
