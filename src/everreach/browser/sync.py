"""`everreach sync`: walk the inbox views, read each changed thread newest first, store it whole, read profiles."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, Field
from sqlalchemy import Engine

from everreach.browser.inbox import ThreadList
from everreach.browser.patterns import Patterns, load_patterns
from everreach.browser.profiles import read_profile
from everreach.browser.session import Browser, BrowserBlocked, Pacer, poll_seconds
from everreach.browser.store import SyncedThread, SyncStore
from everreach.browser.thread import ThreadLayoutError, ThreadReader
from everreach.config import Settings

VIEWS = ("primary", "general", "requests")


class SyncSummary(BaseModel):
    """What one sync did."""

    source: str
    views: list[str]
    threads_opened: int = 0
    threads_changed: int = 0
    threads_skipped: list[str] = Field(default_factory=list)
    new_messages: int = 0
    noise_lines: int = 0
    profiles_read: int = 0
    capped: bool = False
    stopped: str | None = None
    """Why the run stopped early (a login wall, a checkpoint, an action block, a broken selector)."""

    @property
    def ok(self) -> bool:
        """True when the run was not stopped by a stop page or a broken layout."""
        return self.stopped is None


Progress = Callable[[SyncSummary], None]


class InboxSync:
    """One sync run through the browser."""

    def __init__(self, engine: Engine, browser: Browser, settings: Settings, *, pacer: Pacer | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:  # fmt: skip
        self.engine = engine
        self.browser = browser
        self.settings = settings
        self.pacer = pacer or Pacer(settings)
        self.clock = clock
        poll = poll_seconds(settings)
        self.list = ThreadList(browser, wait_seconds=settings.browser_wait_seconds,
                               settle_seconds=settings.browser_settle_seconds, poll_seconds=poll)  # fmt: skip
        self.reader = ThreadReader(browser, self.patterns, tz=settings.timezone,
                                   settle_seconds=settings.browser_settle_seconds, poll_seconds=poll)  # fmt: skip
        state_file = settings.data_dir / "browser" / "sync-state.json"
        self.store = SyncStore(engine, provider="browser", state_file=state_file)

    def patterns(self) -> Patterns:
        """The pattern rows as they are now (re-read at each step, so an edit applies without a restart)."""
        return load_patterns(self.engine)

    def run(self, *, views: tuple[str, ...] = VIEWS, max_threads: int | None = None, profiles: bool = True,
            progress: Progress | None = None) -> SyncSummary:  # fmt: skip
        """Sync the views; a stop page ends the run at once (threads already stored stay, none is half written)."""
        cap = max_threads if max_threads is not None else self.settings.browser_threads_per_run
        summary = SyncSummary(source=self.settings.inbox_url, views=list(views))
        seen_users: list[str] = []
        try:
            for view in views:
                if summary.threads_opened >= cap:
                    summary.capped = True
                    break
                self._view(view, cap, summary, seen_users, progress)
            if profiles:
                self._profiles(seen_users, cap, summary, progress)
        except (BrowserBlocked, ThreadLayoutError) as exc:
            summary.stopped = str(exc)
        finally:
            self.store.close()
        return summary

    def _view(self, view: str, cap: int, summary: SyncSummary, seen: list[str], progress: Progress | None) -> None:
        state, inbox = self.store.state, self.settings.inbox_url
        patterns = self.patterns()
        self.browser.goto(self.browser.site.view(view), patterns)
        self.list.wait_ready(patterns)
        walked_before = state.walk_complete(view, inbox) if state else False
        if state:
            state.set_walk(view, inbox, complete=False)
        index, unchanged, previous = 0, 0, None
        opened: set[str] = set()
        while True:
            patterns = self.patterns()
            if index >= int(self.list.rows(patterns).count()) and not self.list.load_more(patterns):
                break  # the end of the list
            if summary.threads_opened >= cap:
                summary.capped = True
                return
            self.pacer.pause()
            thread = self.list.open(patterns, index, previous=previous)
            index += 1
            previous = thread.thread_id
            if thread.thread_id in opened:
                continue
            opened.add(thread.thread_id)
            summary.threads_opened += 1
            changed = self._thread(thread.thread_id, thread.username, thread.display_name, view, patterns, summary)
            if thread.username and thread.username not in seen:
                seen.append(thread.username)
            if progress:
                progress(summary)
            unchanged = 0 if changed else unchanged + 1
            # The list is newest first: after a finished walk, a run of unchanged threads means the rest are too.
            if walked_before and unchanged >= max(self.settings.browser_stop_after_unchanged, 1):
                break
        if state:
            state.set_walk(view, inbox, complete=True)

    def _thread(self, thread_id: str, username: str | None, display: str | None, view: str, patterns: Patterns,
                summary: SyncSummary) -> bool:  # fmt: skip
        if username is None and display:
            username = patterns.username_for(display)
        if username is None:
            summary.threads_skipped.append(
                f"thread {thread_id} ({display or 'no name'}): no username (selector 'profile_link' matched "
                "nothing and no known_handle row names it)"
            )
            return False
        self.store.start_thread(username)
        read = self.reader.read(lambda msgs: self.store.first_stored(username, msgs), now=self.clock())
        tab = "requests" if view == "requests" else view
        new = self.store.save_thread(SyncedThread(thread_id, username, display, tab, read.messages))
        summary.new_messages += new
        summary.noise_lines += read.noise_lines
        if new:
            summary.threads_changed += 1
        return bool(read.messages)

    def _profiles(self, usernames: list[str], cap: int, summary: SyncSummary, progress: Progress | None) -> None:
        state = self.store.state
        every = timedelta(days=self.settings.profile_refresh_days)
        for username in usernames:
            now = self.clock()
            if state is not None and not state.profile_due(username, now=now, every=every):
                continue
            if summary.profiles_read >= cap:
                return
            self.pacer.pause()
            profile = read_profile(self.browser, self.patterns(), username)
            self.store.save_profile(profile, now=now)
            summary.profiles_read += 1
            if progress:
                progress(summary)


def sync_inbox(
    engine: Engine,
    settings: Settings,
    *,
    views: tuple[str, ...] = VIEWS,
    max_threads: int | None = None,
    profiles: bool = True,
    headless: bool | None = None,
    progress: Progress | None = None,
) -> SyncSummary:
    """Open the browser on the user's profile and run one sync."""
    with Browser(settings, headless=headless) as browser:
        return InboxSync(engine, browser, settings).run(
            views=views, max_threads=max_threads, profiles=profiles, progress=progress
        )
