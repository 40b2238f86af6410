"""kill -9 in the middle of `everreach sync`, then sync again: exact counts. The dm-server read source."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from everreach.browser.dm_server import sync_dm_server
from everreach.db.models import Message
from tests.browser.inbox.conftest import driver_env, env_without_everreach, seeded, stored
from tests.browser.inbox.fake_data import make_threads, now_utc

pytestmark = pytest.mark.browser


def _count(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(Message)) or 0


def test_kill_minus_nine_mid_sync_then_sync_again(
    db_url: str, engine: Engine, start_fake: object, tmp_path: Path
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite file shared with a subprocess; the writer is tested on both engines by the import")
    seeded(engine)
    fake = start_fake(make_threads(12, 60, now=now_utc(), views={}))  # type: ignore[operator]
    env = {**env_without_everreach(), **driver_env(tmp_path / "data", fake.url),  # type: ignore[attr-defined]
           "EVERREACH_DATABASE_URL": db_url, "EVERREACH_CONFIG": str(tmp_path / "none.toml")}  # fmt: skip
    cmd = [str(Path(sys.executable).with_name("everreach")), "sync", "--no-profiles", "--json"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while len(fake.thread_opens) < 5 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = _count(engine)
    assert partial < 12 * 60
    assert partial % 60 == 0  # whole threads only
    again = subprocess.run(cmd, env=env, capture_output=True, timeout=300, check=False)
    assert again.returncode == 0, again.stderr.decode()
    summary = json.loads(again.stdout)
    assert summary["new_messages"] == 12 * 60 - partial
    assert {u: len(rows) for u, rows in stored(engine).items()} == {t.username: 60 for t in fake.threads.values()}


class _DmServer:
    """A local server following the Safari DM server's read contract (missing times, guessed direction)."""

    def __init__(self) -> None:
        self.open: str | None = None
        self.threads: dict[str, list[dict[str, Any]]] = {
            "ana.b": [
                {"text": "hey! loved the post", "timestamp": "2026-11-02T10:00:00Z", "isOutbound": False,
                 "messageType": "text"},
                {"text": "thank you!!\nSeen", "isOutbound": True, "messageType": "text"},
                {"text": "what are you building?", "isOutbound": False, "messageType": "text"},
            ],
            "cleo": [{"text": "photo", "isOutbound": False, "messageType": "image"}],
        }  # fmt: skip
        dm = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

            def _json(self, data: Any, status: int = 200) -> None:
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if self.path.startswith("/api/conversations/all"):
                    self._json({"conversations": {"primary": [{"username": "ana.b", "threadId": "111"}],
                                                  "requests": [{"username": "cleo"}], "general": [],
                                                  "hidden_requests": []}, "totalCount": 2})  # fmt: skip
                elif self.path.startswith("/api/messages"):
                    msgs = dm.threads.get(dm.open or "", [])
                    self._json({"messages": msgs, "count": len(msgs)})
                else:
                    self._json({"error": "not found"}, 404)

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                dm.open = body.get("username")
                self._json({"success": dm.open in dm.threads, "username": dm.open})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def dm_server() -> Iterator[_DmServer]:
    server = _DmServer()
    yield server
    server.server.shutdown()
    server.server.server_close()


def test_dm_server_source_stores_once_despite_missing_times(engine: Engine, dm_server: _DmServer) -> None:
    from everreach import config

    seeded(engine)
    settings = config.get_settings()
    views = ("primary", "general", "requests")
    first = sync_dm_server(engine, settings, url=dm_server.url, views=views)
    assert first.ok, first.stopped
    assert first.new_messages == 4
    assert first.noise_lines == 1
    dm_server.threads["ana.b"].append({"text": "a crm for dms", "isOutbound": False, "messageType": "text"})
    second = sync_dm_server(engine, settings, url=dm_server.url, views=views)
    assert second.new_messages == 1
    rows = stored(engine)
    assert sorted(m.message_text for m in rows["ana.b"]) == sorted(
        ["hey! loved the post", "thank you!!", "what are you building?", "a crm for dms"]
    )
    assert [m.message_text for m in rows["cleo"]] == ["[photo]"]
    unknown = [m for m in rows["ana.b"] if m.raw_data and m.raw_data.get("time_unknown")]
    assert len(unknown) == 3
    assert all(m.raw_data and m.raw_data.get("direction_unsure") for m in rows["ana.b"])
