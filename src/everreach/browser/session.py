"""The user's own Chromium with a persistent profile, driven by Playwright; stop pages; human pacing."""

from __future__ import annotations

import contextlib
import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urljoin, urlsplit

from everreach.browser.patterns import CHALLENGE_URL_PARTS, LOGIN_URL_PARTS, Patterns
from everreach.config import Settings
from everreach.errors import ConfigError, EverReachError


class BrowserBlocked(EverReachError):
    """The page is a login wall, a checkpoint/challenge, or an action block: the driver stops at once."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class BrowserUnavailable(EverReachError):
    """Playwright or a Chromium is missing, or the profile is in use by another browser."""


def profile_dir(settings: Settings) -> Path:
    """Where the persistent browser profile lives (`browser_profile_dir`, else `<data_dir>/browser/profile`)."""
    return settings.browser_profile_dir or settings.data_dir / "browser" / "profile"


class Site:
    """The URLs of the web inbox, all derived from the `inbox_url` setting (so tests point it at a fake)."""

    def __init__(self, inbox_url: str) -> None:
        parts = urlsplit(inbox_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"inbox_url {inbox_url!r} is not an http(s) URL")
        self.origin = f"{parts.scheme}://{parts.netloc}/"
        self.inbox = inbox_url

    def view(self, tab: str) -> str:
        """The URL of an inbox view: primary (the inbox URL itself), general, requests."""
        if tab == "primary":
            return self.inbox
        return urljoin(self.origin, f"direct/{tab}/")

    def thread(self, thread_id: str) -> str:
        """A thread's URL."""
        return urljoin(self.origin, f"direct/t/{thread_id}/")

    def profile(self, username: str) -> str:
        """A profile page's URL."""
        return urljoin(self.origin, f"{username}/")


#: How often a wait in the thread list or an open thread looks at the page again (browser_poll_seconds unset).
READ_POLL_SECONDS = 0.05


def poll_seconds(settings: Settings, default: float = READ_POLL_SECONDS) -> float:
    """The interval between two looks at the page: browser_poll_seconds, or the caller's default when unset."""
    configured = settings.browser_poll_seconds
    return default if configured is None else max(configured, 0.0)


class Pacer:
    """Random pauses between actions, like a person (configurable; near zero in tests)."""

    def __init__(self, settings: Settings, *, rng: random.Random | None = None, sleep: Callable[[float], None]
                 = time.sleep) -> None:  # fmt: skip
        self.low = max(settings.browser_pause_min_seconds, 0.0)
        self.high = max(settings.browser_pause_max_seconds, self.low)
        self.key_low = max(settings.browser_typing_min_ms, 0) / 1000
        self.key_high = max(settings.browser_typing_max_ms / 1000, self.key_low)
        self.rng = rng or random.Random()
        self.sleep = sleep

    def pause(self, scale: float = 1.0) -> None:
        """One pause between actions (scale < 1 for small steps such as a scroll)."""
        self.sleep(self.rng.uniform(self.low, self.high) * scale)

    def keystroke(self) -> float:
        """Seconds to wait after one typed character."""
        return self.rng.uniform(self.key_low, self.key_high)


class Browser:
    """A Playwright persistent context on the user's profile; one page reused for every step."""

    def __init__(self, settings: Settings, *, headless: bool | None = None) -> None:
        self.settings = settings
        self.headless = settings.browser_headless if headless is None else headless
        self.site = Site(settings.inbox_url)
        self._pw: Any = None
        self.context: Any = None
        self.page: Any = None
        self.executable: str | None = None

    def __enter__(self) -> Browser:
        self.open()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def open(self) -> None:
        """Start Playwright and the persistent Chromium (Playwright's own or `browser_executable`)."""
        try:
            from playwright.sync_api import Error as PlaywrightError
            from playwright.sync_api import sync_playwright
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise BrowserUnavailable("the browser driver needs Playwright: pip install playwright") from exc
        self._pw = sync_playwright().start()
        self.executable = self._executable()
        folder = profile_dir(self.settings)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        args = list(self.settings.browser_args)
        if hasattr(os, "geteuid") and os.geteuid() == 0 and "--no-sandbox" not in args:
            args.append("--no-sandbox")  # Chromium refuses its sandbox as root (containers)
        try:
            self.context = self._pw.chromium.launch_persistent_context(
                str(folder), executable_path=self.executable, headless=self.headless, args=args,
                locale="en-US", timezone_id=self.settings.timezone, viewport={"width": 1280, "height": 900},
            )  # fmt: skip
        except PlaywrightError as exc:
            self.close()
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise BrowserUnavailable(
                f"cannot start Chromium with the profile {folder} (is another everreach browser using it?): {first}"
            ) from exc
        self.context.set_default_timeout(self.settings.browser_wait_seconds * 1000)
        self.page = self.context.pages[0] if self.context.pages else self.context.new_page()

    def _executable(self) -> str:
        configured = self.settings.browser_executable
        if configured is not None:
            if not configured.exists():
                raise BrowserUnavailable(f"browser_executable {configured} does not exist")
            return str(configured)
        own = Path(self._pw.chromium.executable_path)
        if own.exists():
            return str(own)
        raise BrowserUnavailable(
            "no Chromium found: run `playwright install chromium`, or set browser_executable "
            "(e.g. EVERREACH_BROWSER_EXECUTABLE=/usr/bin/chromium)"
        )

    def close(self) -> None:
        """Close the browser and Playwright."""
        if self.context is not None:
            with contextlib.suppress(Exception):  # a browser that already died must not hide the first error
                self.context.close()
            self.context = None
        if self._pw is not None:
            self._pw.stop()
            self._pw = None

    def goto(self, url: str, patterns: Patterns) -> None:
        """Open a URL and stop at once on a login wall, checkpoint or block page."""
        self.page.goto(url, wait_until="domcontentloaded")
        self.guard(patterns)

    def guard(self, patterns: Patterns) -> None:
        """Raise BrowserBlocked when the current page is a stop page."""
        url = str(self.page.url)
        path = urlsplit(url).path
        if any(part in path for part in LOGIN_URL_PARTS) or self._present(patterns, "login_wall"):
            raise BrowserBlocked(
                "login", "Instagram shows its login page: run `everreach browser login` and log in, then try again"
            )
        if any(part in path for part in CHALLENGE_URL_PARTS):
            raise BrowserBlocked(
                "challenge",
                f"Instagram asks for a security check ({path}): open `everreach browser login`, complete it by "
                "hand, and wait a day before syncing or sending again",
            )
        if self._present(patterns, "block_page"):
            raise BrowserBlocked(
                "limit",
                "Instagram says to try again later (an action block or rate limit): stopped; wait several hours "
                "before the next sync or send",
            )

    def _present(self, patterns: Patterns, key: str) -> bool:
        css = patterns.selectors.get(key)
        return bool(css) and int(self.page.locator(css).count()) > 0
