"""browser sender: types the message into the user's own web inbox and confirms the sent bubble (DESIGN.md §4b).

Opens the thread by its URL when sync has seen it (checking the header names the contact), else the profile's
`message_button`; types at a human pace into `textbox`, clicks `send_button` (Enter when it does not show),
then waits for an outbound bubble with the text. Anything after the first keystroke that cannot be confirmed
fails as "delivery unknown" and is never retried automatically. It reads selectors from the database at every
send (so an edit applies at once) and the conversation's thread id; it writes nothing.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import ClassVar

from sqlalchemy import select

from everreach.browser.inbox import ThreadList, thread_id_of
from everreach.browser.patterns import ENTER_SENDS, Patterns, load_patterns
from everreach.browser.session import Browser, BrowserBlocked, Pacer, poll_seconds
from everreach.browser.store import THREAD_PREFIX
from everreach.browser.thread import PageMessage, read_rows, to_messages
from everreach.config import Settings
from everreach.db.engine import get_engine
from everreach.db.models import Contact, Conversation
from everreach.outreach.senders.base import INSTAGRAM_TEXT_CHARS, OutboundMessage, SendResult, check_chars

LOGIN_RETRY_SECONDS = 3600.0
POLL_SECONDS = 0.1


class _NotSent(Exception):
    """Certainly not sent (nothing was typed): the reason."""


class BrowserSender:
    """Sends through the browser profile `everreach browser login` set up."""

    name: ClassVar[str] = "browser"
    delivers: ClassVar[bool] = True
    needs_recipient: ClassVar[bool] = False

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = get_engine(settings.resolved_database_url())
        self.pacer = Pacer(settings)
        self.browser: Browser | None = None

    @classmethod
    def check_text(cls, text: str) -> str | None:
        """Instagram's DM box takes at most 1000 characters."""
        return check_chars(text, INSTAGRAM_TEXT_CHARS)

    def describe(self) -> str:
        """Where it sends."""
        return f"browser: types into {self.settings.inbox_url} in the saved browser profile"

    def close(self) -> None:
        """Close the browser."""
        if self.browser is not None:
            self.browser.close()
            self.browser = None

    def send(self, message: OutboundMessage) -> SendResult:
        """Open the thread, type, send, confirm; never raises for delivery problems."""
        problem = self.check_text(message.text)
        if problem:
            return SendResult.failed(problem)
        typed = False
        try:
            patterns = load_patterns(self.engine)
            browser = self._browser()
            self._open(browser, patterns, message.username)
            before = self._outbound(browser, patterns, message.text)
            typed = True
            self._type(browser, patterns, message.text)
            return self._confirm(browser, patterns, message.text, len(before))
        except BrowserBlocked as exc:
            if typed:
                return SendResult.failed(f"delivery unknown: {exc}")
            return SendResult.retry(str(exc), after=LOGIN_RETRY_SECONDS)
        except _NotSent as exc:
            return SendResult.failed(f"not sent: {exc}")
        except Exception as exc:  # a page failure is an outcome, not a crash of the worker
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            if typed:
                return SendResult.failed(f"delivery unknown: {first}")
            return SendResult.failed(f"not sent: {first}")

    def _browser(self) -> Browser:
        if self.browser is None:
            browser = Browser(self.settings)
            browser.open()
            self.browser = browser
        return self.browser

    def _thread_id(self, username: str) -> str | None:
        with self.engine.connect() as conn:
            found = conn.scalar(
                select(Conversation.thread_id)
                .join(Contact, Contact.id == Conversation.contact_id)
                .where(Contact.instagram_username == username, Conversation.thread_id.like(THREAD_PREFIX + "%"))
                .order_by(Conversation.last_message_at.desc().nulls_last())
                .limit(1)
            )
        return found[len(THREAD_PREFIX) :] if found else None

    def _open(self, browser: Browser, patterns: Patterns, username: str) -> None:
        threads = ThreadList(browser, wait_seconds=self.settings.browser_wait_seconds,
                             settle_seconds=self.settings.browser_settle_seconds,
                             poll_seconds=poll_seconds(self.settings))  # fmt: skip
        thread_id = self._thread_id(username)
        if thread_id is not None:
            browser.goto(browser.site.thread(thread_id), patterns)
            if threads.username(patterns) == username:
                return
        browser.goto(browser.site.profile(username), patterns)
        button = browser.page.locator(patterns.css("message_button")).first
        try:
            button.wait_for(state="visible")
        except Exception as exc:
            raise _NotSent(f"no Message button on @{username}'s profile (selector 'message_button')") from exc
        self.pacer.pause(0.5)
        button.click()
        deadline = time.monotonic() + self.settings.browser_wait_seconds
        while thread_id_of(str(browser.page.url)) is None:
            if time.monotonic() > deadline:
                raise _NotSent(f"the Message button of @{username} opened no thread")
            time.sleep(poll_seconds(self.settings, POLL_SECONDS))
        browser.guard(patterns)
        if threads.username(patterns) not in (username, None):
            raise _NotSent(f"the thread opened for @{username} belongs to someone else")

    def _outbound(self, browser: Browser, patterns: Patterns, text: str) -> list[PageMessage]:
        box = browser.page.locator(patterns.css("textbox")).first
        try:
            box.wait_for(state="visible")
        except Exception as exc:
            browser.guard(patterns)
            raise _NotSent("no message box in the thread: selector 'textbox' matches nothing") from exc
        now = datetime.now(UTC)
        rows = read_rows(browser, patterns)
        messages, _ = to_messages(rows, patterns.noise, now=now, tz=self.settings.timezone, complete=True)
        return [m for m in messages if m.outbound and m.text == text]

    def _type(self, browser: Browser, patterns: Patterns, text: str) -> None:
        page = browser.page
        page.locator(patterns.css("textbox")).first.click()
        for ch in text:
            if ch == "\n":
                page.keyboard.press("Shift+Enter")
            else:
                page.keyboard.type(ch)
            time.sleep(self.pacer.keystroke())
        self.pacer.pause(0.3)
        css = patterns.selectors.get("send_button")
        button = page.locator(css).first if css else None
        try:
            if button is None:
                raise LookupError("no send_button row")
            button.wait_for(state="visible", timeout=2000)
            button.click()
        except Exception:
            if not ENTER_SENDS:
                raise
            page.keyboard.press("Enter")

    def _confirm(self, browser: Browser, patterns: Patterns, text: str, before: int) -> SendResult:
        deadline = time.monotonic() + self.settings.browser_confirm_seconds
        while True:
            browser.guard(patterns)
            shown = self._shown(browser, patterns, text)
            if len(shown) > before:
                break
            if time.monotonic() > deadline:
                return SendResult.failed("delivery unknown: the sent message did not show in the thread")
            time.sleep(poll_seconds(self.settings, POLL_SECONDS))
        # A blocked action can first show as sent and then vanish: look once more.
        time.sleep(self.settings.browser_recheck_seconds)
        browser.guard(patterns)
        again = self._shown(browser, patterns, text)
        if len(again) <= before:
            return SendResult.failed("delivery unknown: the message showed, then vanished (Instagram may block it)")
        return SendResult.sent(external_id=again[-1].mid)

    def _shown(self, browser: Browser, patterns: Patterns, text: str) -> list[PageMessage]:
        rows = read_rows(browser, patterns)
        messages, _ = to_messages(rows, patterns.noise, now=datetime.now(UTC), tz=self.settings.timezone,
                                  complete=True)  # fmt: skip
        return [m for m in messages if m.outbound and m.text == text]
