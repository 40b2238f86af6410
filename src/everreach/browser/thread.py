"""Read an open thread newest first: rows collected while scrolling up, grouped under their separator lines,
each message given its group's time window, until the first message already stored (or the history's start)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from everreach.browser import page_js
from everreach.browser.patterns import OUTBOUND_CENTRE_SHARE, Noise, Patterns
from everreach.browser.session import READ_POLL_SECONDS, Browser
from everreach.browser.times import Label, Window, group_windows, parse_label, resolve_repeated
from everreach.errors import EverReachError

#: Upper bound on scroll rounds in one thread (about 40 rows load per round).
MAX_ROUNDS = 2000


class ThreadLayoutError(EverReachError):
    """The open thread does not have the layout the selectors describe (a selector needs repair)."""


@dataclass(frozen=True, slots=True)
class PageRow:
    """One row of the scroller as the page showed it."""

    seq: float
    lines: tuple[str, ...]
    is_message: bool
    mid: str | None
    outbound: bool


@dataclass(slots=True)
class PageMessage:
    """A message read from the page, its time known to lie inside `window` (its group's)."""

    text: str
    message_type: str
    outbound: bool
    mid: str | None
    window: Window
    position: int
    """Its place within its group, oldest first (keeps order and separates equal texts)."""
    at: datetime | None = None
    """Its own time, when the source gives one (else the group's start plus its position is stored)."""
    time_unknown: bool = False
    direction_unsure: bool = False


@dataclass
class ThreadRead:
    """What reading one thread gave: the new messages newest first, and what was dropped."""

    messages: list[PageMessage] = field(default_factory=list)
    noise_lines: int = 0
    stopped_at_stored: bool = False
    reached_start: bool = False


#: first_stored(messages newest first) -> index of the first one already stored, or None.
FirstStored = Callable[[list[PageMessage]], int | None]


def read_rows(browser: Browser, patterns: Patterns) -> list[PageRow]:
    """A snapshot of the open thread's rows (oldest first), merged by the caller across scrolls."""
    page = browser.page
    conv = page.locator(patterns.css("conversation_label")).first
    if conv.count() == 0:
        raise ThreadLayoutError("no open conversation: selector 'conversation_label' matches nothing")
    conv.locator(patterns.css("message_row")).evaluate_all(page_js.MARK, "__erRow")
    conv.locator(patterns.css("message_id")).evaluate_all(page_js.MARK, "__erMid")
    raw: Any = conv.evaluate(page_js.READ_ROWS, OUTBOUND_CENTRE_SHARE)
    if raw is None:
        raise ThreadLayoutError("the conversation has no scrolling message list (layout rule: scroller)")
    return [PageRow(float(r["seq"]), tuple(r["lines"]), bool(r["message"]), r["mid"], bool(r["out"])) for r in raw]


def to_messages(rows: list[PageRow], noise: Noise, *, now: datetime, tz: str, complete: bool) -> tuple[
        list[PageMessage], int]:  # fmt: skip
    """Messages oldest first with their windows, and the count of noise lines dropped.

    Rows above the topmost separator belong to a group whose label is not loaded yet: they are left out
    unless `complete` (the history's start is on the page).
    """
    groups: list[tuple[Label | None, list[PageRow]]] = [(None, [])]
    noise_lines = 0
    for row in rows:
        if not row.is_message:
            label = next((lb for lb in (parse_label(line, now=now, tz=tz) for line in row.lines) if lb), None)
            if label is not None:
                groups.append((label, []))
            else:
                noise_lines += len(row.lines)
            continue
        groups[-1][1].append(row)
    if not complete:
        groups = groups[1:]
    windows = group_windows(resolve_repeated([g[0] for g in groups]), now=now)
    messages: list[PageMessage] = []
    for (_label, members), window in zip(groups, windows, strict=True):
        position = 0
        for row in members:
            text, kind, dropped = _content(row.lines, noise)
            noise_lines += dropped
            if not text:
                continue
            messages.append(PageMessage(text, kind, row.outbound, row.mid, window, position))
            position += 1
    return messages, noise_lines


def _content(lines: tuple[str, ...], noise: Noise) -> tuple[str, str, int]:
    kept: list[str] = []
    kind: str | None = None
    dropped = 0
    for line in lines:
        attachment = noise.attachment_kind(line)
        if attachment is not None:
            kind = kind or attachment
        elif noise.is_noise(line):
            dropped += 1
        else:
            kept.append(line)
    if kept:
        return "\n".join(kept), "text", dropped
    if kind is not None:
        return f"[{kind}]", kind, dropped
    return "", "text", dropped


class ThreadReader:
    """Scrolls one open thread upwards until a stored message, the history's start, or no more rows."""

    def __init__(self, browser: Browser, load: Callable[[], Patterns], *, tz: str, settle_seconds: float,
                 poll_seconds: float = READ_POLL_SECONDS) -> None:  # fmt: skip
        self.browser = browser
        self.poll_seconds = poll_seconds
        self.load = load
        self.tz = tz
        self.settle = timedelta(seconds=settle_seconds)

    def read(self, first_stored: FirstStored, *, now: datetime) -> ThreadRead:
        """Read newest first; nothing is written here (the caller stores the thread whole)."""
        page = self.browser.page
        page.evaluate(page_js.RESET)
        patterns = self.load()
        rows: dict[float, PageRow] = {}
        checked = 0
        exhausted = False
        for _ in range(MAX_ROUNDS):
            self.browser.guard(patterns)
            for row in read_rows(self.browser, patterns):
                rows[row.seq] = row
            ordered = [rows[k] for k in sorted(rows)]
            # No new rows after a scroll means the top, even when `history_start` no longer matches.
            at_start = exhausted or self._at_start(patterns)
            messages, noise_lines = to_messages(ordered, patterns.noise, now=now, tz=self.tz, complete=at_start)
            newest_first = messages[::-1]
            hit = first_stored(newest_first[checked:]) if len(newest_first) > checked else None
            if hit is not None:
                return ThreadRead(newest_first[: checked + hit], noise_lines, stopped_at_stored=True)
            checked = len(newest_first)
            if at_start:
                return ThreadRead(newest_first, noise_lines, reached_start=True)
            exhausted = not self._load_older(patterns)
        raise ThreadLayoutError(f"the thread kept loading older messages for {MAX_ROUNDS} rounds")

    def _at_start(self, patterns: Patterns) -> bool:
        css = patterns.selectors.get("history_start")
        conv = self.browser.page.locator(patterns.css("conversation_label")).first
        return bool(css) and int(conv.locator(css).count()) > 0

    def _load_older(self, patterns: Patterns) -> bool:
        """Scroll to the oldest end and wait for new rows; False when none came (the top was reached)."""
        page = self.browser.page
        conv = page.locator(patterns.css("conversation_label")).first
        before = self._row_count(conv)
        conv.evaluate(page_js.SCROLL_UP)
        loading = patterns.selectors.get("loading")
        deadline = time.monotonic() + self.settle.total_seconds()
        while time.monotonic() < deadline:
            time.sleep(self.poll_seconds)
            if loading and int(page.locator(loading).count()) > 0:
                continue
            if self._row_count(conv) != before or self._at_start(patterns):
                return True
        return False

    @staticmethod
    def _row_count(conv: Any) -> str:
        # The first row's text changes when older rows are prepended, even if old rows left the DOM.
        return str(conv.evaluate(page_js.FINGERPRINT))
