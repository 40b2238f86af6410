"""`everreach serve --workers N`: every process answers for every import, and the login throttle is shared out.

Before, an upload's progress lived in the memory of the process that took it, so behind several processes
a poll that reached another one answered 404; and each process allowed the full number of wrong tokens.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from everreach.http.login_guard import LOGIN_TRIES, per_process_limit
from tests.ingest.helpers import msg, zipped_export
from tests.soak.processes import Processes, free_port, wait_ready

TOKEN = "Zq8-lM2p_Vx7rT4wYb9nKc3s"


def test_each_process_has_its_share_of_the_wrong_tries() -> None:
    assert [per_process_limit(n) for n in (1, 2, 3, 5, 8)] == [LOGIN_TRIES, 2, 1, 1, 1]
    assert all(per_process_limit(n) * n <= LOGIN_TRIES or per_process_limit(n) == 1 for n in range(1, 33))


def test_an_app_of_a_two_process_server_throttles_after_its_share(make_client: Any) -> None:
    client = make_client(access_token=TOKEN, workers=2)
    client.get("/login")
    form = {"token": "wrong", "next": "/", "csrf_token": client.cookies.get("everreach_csrf")}
    statuses = [client.post("/login", data=form).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]


def _export(threads: int) -> bytes:
    return zipped_export(
        [(f"Friend {i}", [msg(f"Friend {i}", 1_700_000_000_000 + i, f"hello number {i}")]) for i in range(threads)]
    )


@pytest.mark.usefixtures("engine")  # the test database, migrated
def test_every_process_answers_for_an_upload(db_url: str, tmp_path: Path) -> None:
    procs = Processes(database_url=db_url, home=tmp_path, outbox=tmp_path / "outbox.jsonl")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server, log = procs.start("serve", "serve", "--port", str(port), "--workers", "2")
    try:
        wait_ready(base_url, server, log)
        files = {"file": ("export.zip", _export(30), "application/zip")}
        with httpx.Client(base_url=base_url, timeout=30) as client:
            client.get("/api/v1/stats")  # the CSRF cookie
            headers = {"X-CSRF-Token": client.cookies["everreach_csrf"]}
            started = client.post("/api/v1/imports", files=files, headers=headers)
            assert started.status_code == 202, started.text
            job_id = started.json()["id"]
        polls: list[int] = []
        deadline = time.monotonic() + 60
        while True:  # a new connection each time: the kernel hands them to either process
            with httpx.Client(base_url=base_url, timeout=30) as client:
                answer = client.get(f"/api/v1/imports/{job_id}")
            polls.append(answer.status_code)
            assert answer.status_code == 200, f"poll {len(polls)}: {answer.status_code} {answer.text}"
            if answer.json()["state"] in ("done", "failed") and len(polls) >= 20:
                break
            assert time.monotonic() < deadline, answer.json()
        assert answer.json()["state"] == "done", answer.json()
        assert answer.json()["summary"]["messages_new"] == 30
    finally:
        run = procs.stop("serve", server, log)
    assert "Traceback" not in run.output, run.output
