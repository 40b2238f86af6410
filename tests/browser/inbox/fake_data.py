"""The fake inbox's data: threads of messages with true times, grouped the way the web inbox shows them."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

GROUP_GAP = timedelta(hours=1)
NOISE_IN_BUBBLE = ("Edited",)
NOISE_ABOVE = ("Replied to you", "Original message:")


@dataclass
class FakeMessage:
    """One message as the fake stores it (the truth the tests compare against)."""

    text: str
    outbound: bool
    at: datetime
    mid: str | None
    kind: str = "text"  # text | photo | video | attachment
    noise: list[str] = field(default_factory=list)
    right_by_margin: bool = False  # outbound laid out by margin-left:auto instead of justify-content


@dataclass
class FakeThread:
    """A thread of the fake inbox."""

    id: str
    username: str
    name: str
    view: str
    messages: list[FakeMessage]  # oldest first
    followers: int = 1234
    following: int = 567
    bio: str = "building small things\nlondon"


def groups(messages: list[FakeMessage]) -> list[int]:
    """Index of the first message of each group (a new group after a gap of more than an hour)."""
    return [i for i, m in enumerate(messages) if i == 0 or m.at - messages[i - 1].at > GROUP_GAP]


def label(at: datetime, *, now: datetime, tz: str, style: int) -> str:
    """The separator text the web inbox shows for a group starting at `at` (relative to `now`)."""
    zone = ZoneInfo(tz)
    local, today = at.astimezone(zone), now.astimezone(zone).date()
    clock = f"{local.hour % 12 or 12}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"
    days = (today - local.date()).days
    if days == 0:
        return clock
    if days == 1:
        return f"Yesterday {clock}"
    if days < 7:
        return f"{local.strftime('%a')} {clock}"
    if style % 2:
        return f"{local.month}/{local.day}/{local.year % 100:02d}, {clock}"
    return f"{local.strftime('%b')} {local.day}, {local.year}, {clock}"


def make_threads(count: int, per_thread: int, *, now: datetime, seed: int = 7, views: dict[str, int] | None = None,
                 start_id: int = 340282366841710300) -> list[FakeThread]:  # fmt: skip
    """`count` threads of `per_thread` messages, newest thread first; the last ones are general and requests."""
    rng = random.Random(seed)
    views = {"general": max(count // 10, 1), "requests": max(count // 10, 1)} if views is None else views
    threads: list[FakeThread] = []
    for k in range(count):
        last = now - timedelta(minutes=7 + 53 * k, seconds=rng.randint(0, 59))
        times = [last]
        for _ in range(per_thread - 1):
            gap = (
                timedelta(hours=rng.uniform(2, 40)) if rng.random() < 0.12 else timedelta(seconds=rng.randint(20, 600))
            )
            times.append(times[-1] - gap)
        times.reverse()
        msgs: list[FakeMessage] = []
        for i, at in enumerate(times):
            outbound = rng.random() < 0.45
            kind = "text"
            roll = rng.random()
            if roll < 0.03:
                kind = "photo"
            elif roll < 0.05:
                kind = "attachment"
            mid_roll = rng.random()
            mid = (
                None if (mid_roll < 0.12 and kind == "text") else f"mid.$cAAB{k:03d}{i:05d}{rng.randint(0, 10**6):06d}"
            )
            text = f"t{k} message {i}: " + rng.choice(
                ["how is the launch going?", "haha yes", "let me check and get back to you", "sounds good",
                 "can you send me the link", "i'll think about it\nand tell you tomorrow", "thanks so much!!"]
            )  # fmt: skip
            noise: list[str] = []
            if rng.random() < 0.1:
                noise.append(NOISE_IN_BUBBLE[0])
            if not outbound and rng.random() < 0.05:
                noise.append(NOISE_ABOVE[rng.randrange(2)])
            msgs.append(FakeMessage(text, outbound, at, mid, kind, noise, right_by_margin=outbound and i % 5 == 0))
        view = "primary"
        if k >= count - views.get("requests", 0):
            view = "requests"
        elif k >= count - views.get("requests", 0) - views.get("general", 0):
            view = "general"
        threads.append(FakeThread(str(start_id + k), f"friend.{k:03d}", f"Friend {k:03d}", view, msgs))
    return threads


def now_utc() -> datetime:
    """The fake's clock (real time, so labels relative to today are what the sync resolves)."""
    return datetime.now(UTC).replace(microsecond=0)
