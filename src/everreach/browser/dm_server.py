"""`everreach sync --from dm-server URL`: read the original system's Safari DM server.

Its read API: `GET /api/conversations/all` -> {"conversations": {tab: [{username, threadId?, displayName?}]}},
`POST /api/conversations/open` {"username"} -> {"success"}, then `GET /api/messages?limit=N` -> {"messages":
[{text, timestamp?, isOutbound, messageType}]} for the open conversation, oldest first. Times may be missing and
the direction is the server's guess from the bubble's position: both are stored as such (raw_data marks them)
and dedupe matches such a message by contact and text alone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Engine

from everreach.browser.patterns import load_patterns
from everreach.browser.store import SyncedThread, SyncStore
from everreach.browser.sync import SyncSummary
from everreach.browser.thread import PageMessage
from everreach.browser.times import Window
from everreach.config import Settings
from everreach.contacts.usernames import normalise_username
from everreach.messages.writer.rows import EPOCH

READ_LIMIT = 200
_TYPES = {"text": "text", "image": "photo", "video": "video", "audio": "audio", "story_reply": "story", "link": "share"}
_TABS = {"primary": "primary", "general": "general", "requests": "requests", "hidden_requests": "requests"}


def _time(raw: Any) -> datetime | None:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return datetime.fromtimestamp(raw / 1000 if raw > 1e11 else raw, UTC)
    if isinstance(raw, str) and raw.strip():
        try:
            parsed = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    return None


def to_page_messages(items: list[Any], *, now: datetime, noise: Any) -> tuple[list[PageMessage], int]:
    """The server's messages (oldest first) as page messages newest first, and the noise lines dropped."""
    out: list[PageMessage] = []
    dropped = 0
    for i, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            continue
        lines = [ln.strip() for ln in item["text"].splitlines() if ln.strip()]
        kept = [ln for ln in lines if not noise.is_noise(ln) and noise.attachment_kind(ln) is None]
        dropped += sum(1 for ln in lines if noise.is_noise(ln))
        kind = _TYPES.get(str(item.get("messageType") or "text"), "text")
        # A media bubble's text is no message text; the export's placeholder keeps dedupe with an import.
        text = "\n".join(kept) if kind == "text" else f"[{kind}]"
        if not text:
            continue
        at = _time(item.get("timestamp"))
        if at is None:  # unknown: it is older than the next one and than now; order is kept
            window = Window(EPOCH, now + timedelta(minutes=1), None)
            msg = PageMessage(text, kind, bool(item.get("isOutbound")), None, window, i,
                              at=now - timedelta(milliseconds=len(items) - i), time_unknown=True,
                              direction_unsure=True)  # fmt: skip
        else:
            window = Window(at - timedelta(minutes=1), at + timedelta(minutes=1), None)
            msg = PageMessage(text, kind, bool(item.get("isOutbound")), None, window, i, at=at, direction_unsure=True)
        out.append(msg)
    return out[::-1], dropped


def sync_dm_server(engine: Engine, settings: Settings, *, url: str, views: tuple[str, ...],
                   max_threads: int | None = None, client: httpx.Client | None = None) -> SyncSummary:  # fmt: skip
    """Read every listed conversation of the chosen tabs; store new messages once (stopping at stored ones)."""
    base = url.rstrip("/")
    summary = SyncSummary(source=base, views=list(views))
    cap = max_threads if max_threads is not None else settings.browser_threads_per_run
    http = client or httpx.Client(timeout=settings.sender_timeout_seconds)
    store = SyncStore(engine, provider="dm-server")
    try:
        listing = http.get(f"{base}/api/conversations/all").json().get("conversations") or {}
        for tab, conversations in listing.items():
            view = _TABS.get(str(tab))
            if view is None or view not in views or not isinstance(conversations, list):
                continue
            for conv in conversations:
                if summary.threads_opened >= cap:
                    summary.capped = True
                    return summary
                _one(http, base, store, engine, conv, view, summary)
    except (httpx.HTTPError, ValueError) as exc:
        summary.stopped = f"the DM server at {base} did not answer as expected: {exc}"
    finally:
        store.close()
        if client is None:
            http.close()
    return summary


def _one(http: httpx.Client, base: str, store: SyncStore, engine: Engine, conv: Any, view: str,
         summary: SyncSummary) -> None:  # fmt: skip
    if not isinstance(conv, dict) or not conv.get("username"):
        return
    username = normalise_username(str(conv["username"]))
    opened = http.post(f"{base}/api/conversations/open", json={"username": conv["username"]}).json()
    summary.threads_opened += 1
    if not isinstance(opened, dict) or not opened.get("success"):
        summary.threads_skipped.append(f"@{username}: the DM server could not open the conversation")
        return
    data = http.get(f"{base}/api/messages", params={"limit": READ_LIMIT}).json()
    patterns = load_patterns(engine)
    messages, dropped = to_page_messages(data.get("messages", []), now=datetime.now(UTC), noise=patterns.noise)
    store.start_thread(username)
    hit = store.first_stored(username, messages)
    new_messages = messages if hit is None else messages[:hit]
    thread_id = str(conv.get("threadId") or f"@{username}")
    display = conv.get("displayName") if isinstance(conv.get("displayName"), str) else None
    new = store.save_thread(SyncedThread(thread_id, username, display, view, new_messages))
    summary.new_messages += new
    summary.noise_lines += dropped
    summary.threads_changed += 1 if new else 0
