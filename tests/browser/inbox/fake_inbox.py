"""A local fake of the Instagram web inbox (stdlib http.server on 127.0.0.1, in a thread).

Reproduces the DOM facts the driver relies on (docs/instagram-web-inbox.md): views by URL, a lazily loaded
"Thread list" of div[role=button] rows, threads opened by pushState with the id in the URL, a column-reverse
scroller whose older history loads on scroll (rows far out of view leave the DOM), separator lines with
relative labels, message ids on most bubbles, direction only from layout, UI noise, attachment lines,
message requests, profile pages, a login wall, a checkpoint, an action-block dialog, and a mode where the
composer's role=textbox is gone.
"""

from __future__ import annotations

import html
import json
import threading
from collections import Counter
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.browser.inbox.fake_data import FakeMessage, FakeThread, groups, label, now_utc

PAGE_ROWS = 20
HISTORY_PAGE = 50
APP_JS = (Path(__file__).with_name("fake_app.js")).read_text(encoding="utf-8")


class FakeInbox:
    """The fake's state: threads, modes, and counters the tests read (thread opens, list pages, sends)."""

    def __init__(self, threads: list[FakeThread], *, tz: str, now: datetime | None = None) -> None:
        self.threads = {t.id: t for t in threads}
        self.tz = tz
        self.now = now or now_utc()
        self.modes: set[str] = set()
        self.limit_after: int | None = None
        self.keep_rows = 160
        self.lock = threading.Lock()
        self.thread_opens: Counter[str] = Counter()
        self.thread_calls = 0
        self.list_pages: Counter[tuple[str, int]] = Counter()
        self.profile_reads: Counter[str] = Counter()
        self.sent: list[tuple[str, str]] = []
        self.server: ThreadingHTTPServer | None = None

    # -- lifecycle ----------------------------------------------------------------------------------------

    def start(self) -> str:
        """Serve on a free loopback port; returns the inbox URL."""
        inbox = self

        class Handler(_Handler):
            fake = inbox

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/direct/inbox/"

    def stop(self) -> None:
        """Stop serving."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    # -- views --------------------------------------------------------------------------------------------

    def ordered(self, view: str) -> list[FakeThread]:
        """A view's threads, most recent activity first."""
        return sorted((t for t in self.threads.values() if t.view == view), key=lambda t: t.messages[-1].at,
                      reverse=True)  # fmt: skip

    def by_username(self, username: str) -> FakeThread | None:
        """The thread with a contact."""
        return next((t for t in self.threads.values() if t.username == username), None)

    def items(self, thread: FakeThread, lo: int, hi: int) -> list[dict[str, Any]]:
        """Rows for messages[lo:hi]: a separator before each group start, then the message rows."""
        starts = set(groups(thread.messages))
        last_out = max((i for i, m in enumerate(thread.messages) if m.outbound), default=-1)
        out: list[dict[str, Any]] = []
        for i in range(lo, hi):
            m = thread.messages[i]
            if i in starts:
                out.append({"sep": label(m.at, now=self.now, tz=self.tz, style=int(thread.id) % 2)})
            out.append(self.message_item(m, i, seen=i == last_out and i == len(thread.messages) - 1))
        return out

    @staticmethod
    def message_item(m: FakeMessage, i: int, *, seen: bool = False) -> dict[str, Any]:
        """One message row's data for the client."""
        return {"text": m.text, "out": m.outbound, "mid": m.mid, "alt_id": i % 7 == 3, "kind": m.kind,
                "inside": [n for n in m.noise if n == "Edited"], "above": [n for n in m.noise if n != "Edited"],
                "margin": m.right_by_margin, "seen": seen}  # fmt: skip

    def thread_page(self, thread: FakeThread, before: int | None) -> dict[str, Any]:
        """A page of a thread's history (newest page when `before` is None)."""
        with self.lock:
            self.thread_calls += 1
            if before is None:
                self.thread_opens[thread.id] += 1
            calls = self.thread_calls
        if "login" in self.modes:
            return {"login": True}
        if self.limit_after is not None and calls > self.limit_after:
            return {"blocked": True}
        hi = len(thread.messages) if before is None else before
        lo = max(0, hi - HISTORY_PAGE)
        return {"id": thread.id, "name": thread.name, "username": thread.username, "view": thread.view,
                "items": self.items(thread, lo, hi), "next_before": lo, "start": lo == 0}  # fmt: skip

    def receive(self, thread_id: str, text: str) -> dict[str, Any] | None:
        """A message typed into the composer and sent."""
        thread = self.threads.get(thread_id)
        if thread is None:
            return None
        with self.lock:
            n = len(self.sent)
            self.sent.append((thread_id, text))
            msg = FakeMessage(text, True, now_utc(), f"mid.$cSENT{n:06d}{thread_id[-6:]}")
            thread.messages.append(msg)
        return self.message_item(msg, len(thread.messages) - 1)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeInbox

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def _send(
        self, body: str, *, status: int = 200, kind: str = "text/html", headers: dict[str, str] | None = None
    ) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _json(self, data: Any) -> None:
        self._send(json.dumps(data), kind="application/json")

    def do_POST(self) -> None:
        """Sending from the composer."""
        path = urlsplit(self.path).path
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if path.startswith("/api/send/"):
            self._json({"message": self.fake.receive(path.split("/")[3], str(body.get("text", "")))})
            return
        self._send("not found", status=404)

    def do_GET(self) -> None:
        """Pages and the client's JSON API."""
        fake = self.fake
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        if path == "/accounts/login/":
            self._send(_LOGIN)
            return
        if path.startswith("/challenge/"):
            self._send(_CHALLENGE)
            return
        if path.startswith("/api/"):
            self._api(path, query)
            return
        if "login" in fake.modes:
            self._send("", status=302, headers={"Location": "/accounts/login/"})
            return
        if "checkpoint" in fake.modes:
            self._send("", status=302, headers={"Location": "/challenge/action/"})
            return
        views = {"/direct/inbox/": "primary", "/direct/general/": "general", "/direct/requests/": "requests"}
        if path in views:
            self._send(self._shell(views[path], None))
            return
        if path.startswith("/direct/t/"):
            thread = fake.threads.get(path.split("/")[3])
            if thread is None:
                self._send("<h2>Sorry, this page isn't available.</h2>", status=404)
                return
            self._send(self._shell(thread.view, thread.id))
            return
        segments = [p for p in path.split("/") if p]
        if len(segments) == 1 and (thread := fake.by_username(segments[0])) is not None:
            fake.profile_reads[thread.username] += 1
            self._send(_profile(thread))
            return
        self._send("<h2>Sorry, this page isn't available.</h2>", status=404)

    def _api(self, path: str, query: dict[str, list[str]]) -> None:
        fake = self.fake
        if path == "/api/list":
            view, page = query["view"][0], int(query.get("page", ["0"])[0])
            fake.list_pages[(view, page)] += 1
            if "login" in fake.modes:
                self._json({"login": True})
                return
            threads = fake.ordered(view)
            chunk = threads[page * PAGE_ROWS : (page + 1) * PAGE_ROWS]
            rows = [{"id": t.id, "name": t.name, "preview": _preview(t.messages[-1]), "ago": "3h"} for t in chunk]
            self._json({"rows": rows, "more": (page + 1) * PAGE_ROWS < len(threads)})
            return
        if path.startswith("/api/thread/"):
            thread = fake.threads.get(path.split("/")[3])
            if thread is None:
                self._json({"blocked": False, "items": []})
                return
            before = query.get("before")
            self._json(fake.thread_page(thread, int(before[0]) if before else None))
            return
        self._send("not found", status=404)

    def _shell(self, view: str, thread: str | None) -> str:
        fake = self.fake
        cfg = {"view": view, "thread": thread, "mode": sorted(fake.modes), "keep_rows": fake.keep_rows}
        tabs = "".join(f'<a role="tab" href="/direct/{v}/">{v.title()}</a>' for v in ("inbox", "general", "requests"))
        return _SHELL.format(cfg=html.escape(json.dumps(cfg), quote=False), tabs=tabs, js=APP_JS)


def _preview(m: FakeMessage) -> str:
    text = m.text.splitlines()[0][:40]
    return f"You: {text}" if m.outbound else text


def _profile(t: FakeThread) -> str:
    desc = (
        f"{t.followers:,} Followers, {t.following:,} Following, 89 Posts - "
        f"See Instagram photos and videos from {t.name} (@{t.username})"
    )
    bio = "<br>".join(html.escape(line) for line in t.bio.splitlines())
    thread_url = f"/direct/t/{t.id}/"
    return f"""<!doctype html><html><head><title>{html.escape(t.name)} (@{t.username})</title>
<meta property="og:title" content="{html.escape(t.name)} (@{t.username}) &bull; Instagram photos and videos">
<meta property="og:description" content="{html.escape(desc)}"></head><body>
<header><section><h2>{t.username}</h2><div role="button">Follow</div>
<div role="button" onclick="location.href='{thread_url}'">Message</div>
<ul><li><span>89</span> posts</li><li><span>{t.followers:,}</span> followers</li>
<li><span>{t.following:,}</span> following</li></ul>
<span>{html.escape(t.name)}</span><div>{bio}</div></section></header><main>posts</main></body></html>"""


_SHELL = """<!doctype html><html><head><title>Inbox • Direct</title>
<style>body{{margin:0;font:14px sans-serif}} #app{{display:flex;height:100vh}}</style></head><body>
<div id="app"><nav style="width:360px;flex:none"><div role="tablist">{tabs}</div>
<div aria-label="Thread list" style="overflow-y:auto;height:calc(100vh - 40px)"><div id="rows"></div></div></nav>
<main id="pane" style="flex:1;min-width:0"></main></div>
<script type="application/json" id="cfg">{cfg}</script><script>{js}</script></body></html>"""

_LOGIN = """<!doctype html><html><body><form><input name="username" placeholder="Phone number, username, or email">
<input name="password" type="password"><button>Log in</button></form></body></html>"""
_CHALLENGE = """<!doctype html><html><body><h2>We suspect automated behavior on your account</h2></body></html>"""
