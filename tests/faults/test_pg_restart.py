"""PostgreSQL restarted under a running worker: the worker reports it, waits, resumes and loses nothing.

The restart happens while the worker is inside a send, so the outcome of that send cannot be written when
the send returns: the worker must keep it and write it after reconnecting (never send the row again).

Runs its own throwaway PostgreSQL cluster (initdb + pg_ctl on a free port in a temporary folder) so the shared
server other tests use is never touched. Skipped only when the PostgreSQL server binaries are missing.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from everreach.config import Settings
from everreach.db.engine import make_engine
from everreach.db.migrate import upgrade
from everreach.db.models import Contact, Message, OutreachAttempt, OutreachItem
from everreach.errors import DatabaseError
from everreach.outreach.senders import make_sender
from everreach.outreach.worker import Worker
from tests.faults.test_kill_worker import OPEN_PACING
from tests.outreach.servers import Received, Reply, serve

PG_BIN = Path(os.environ.get("EVERREACH_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
EVERREACH = Path(sys.executable).with_name("everreach")


def _as_postgres(args: list[str]) -> list[str]:
    # initdb refuses to run as root; the server's own account does it.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


class Cluster:
    """A private PostgreSQL server in a temporary folder."""

    def __init__(self, root: Path) -> None:
        self.data = root / "data"
        self.log = root / "server.log"
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._ctl(["initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync"])

    def _ctl(self, args: list[str]) -> None:
        command = _as_postgres([str(PG_BIN / args[0]), *args[1:]])
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        """Start (or restart after stop) and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._ctl(["pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start"])

    def stop(self) -> None:
        """Fast shutdown: open connections are cut, as in a real restart."""
        self._ctl(["pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop"])


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    """A running private cluster, removed afterwards."""
    if not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_ctl").exists():
        pytest.skip(f"PostgreSQL server binaries not found in {PG_BIN}")
    root = Path(tempfile.mkdtemp(prefix="everreach-pg-"))
    os.chmod(root, 0o777)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    server = Cluster(root)
    server.start()
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


def _queue(url: str, start: int, count: int) -> set[uuid.UUID]:
    eng = make_engine(url)
    items = {uuid.uuid4(): i for i in range(start, start + count)}
    with eng.begin() as conn:
        if start == 0:
            conn.execute(insert(Contact), [{"instagram_username": f"restart{i}"} for i in range(3)])
        ids = dict(conn.execute(select(Contact.instagram_username, Contact.id)).all())
        conn.execute(
            insert(OutreachItem),
            [
                {"id": k, "contact_id": ids[f"restart{i % 3}"], "username": f"restart{i % 3}", "message_text": f"m{i}"}
                for k, i in items.items()
            ],
        )
    eng.dispose()
    return set(items)


def _wait_for(predicate: object, timeout: float, what: str, log: object, worker: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        if worker.poll() is not None:
            raise AssertionError(f"the worker exited while waiting for {what}:\n{_read(log)[-3000:]}")
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}; worker output:\n{_read(log)[-3000:]}")


def test_worker_survives_postgres_restart(cluster: Cluster, tmp_path: Path) -> None:
    eng = make_engine(cluster.url)
    upgrade(eng)
    eng.dispose()
    before = _queue(cluster.url, 0, 6)
    db_down = threading.Event()

    def respond(received: Received) -> Reply:
        # The send of "m3" only returns once the database is gone: its outcome meets the outage.
        if received.body["text"] == "m3":
            db_down.wait(60)
        return Reply(json_body={"success": True, "messageId": f"dm-{received.body['text']}"})

    with serve(respond) as srv:
        env = {k: v for k, v in os.environ.items() if not k.startswith("EVERREACH_")}
        env |= {f"EVERREACH_{k.upper()}": str(v) for k, v in OPEN_PACING.items()}
        env |= {"EVERREACH_DM_SERVER_URL": srv.url, "EVERREACH_DATA_DIR": str(tmp_path / "home")}
        env["EVERREACH_CONFIG"] = str(tmp_path / "none.toml")
        env["EVERREACH_SENDER_TIMEOUT_SECONDS"] = "120"  # m3's send outlasts a slow server stop
        log = (tmp_path / "worker.log").open("w+")
        worker = subprocess.Popen(
            [str(EVERREACH), "--db", cluster.url, "worker", "--sender", "dm-server"], stdout=log, stderr=log, env=env
        )
        texts = lambda: [body["text"] for body in srv.bodies()]  # noqa: E731
        try:
            _wait_for(lambda: "m3" in texts(), 60, "the send of m3", log, worker)
            cluster.stop()
            db_down.set()
            # It reports the outage and keeps trying (a second report means it waited and tried again).
            _wait_for(lambda: _read(log).count("database unavailable") >= 2, 30, "a retry", log, worker)
            cluster.start()
            _wait_for(lambda: "database back after" in _read(log), 60, "the worker to resume", log, worker)
            after = _queue(cluster.url, 6, 6)
            _wait_for(lambda: len(set(texts())) == 12, 60, "the rows queued after the restart", log, worker)
            assert worker.poll() is None
        finally:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=60)
        sent_texts = Counter(texts())
    output = _read(log)
    assert worker.returncode == 0, output
    unavailable = [line for line in output.splitlines() if line.startswith("database unavailable: ")]
    assert unavailable, output
    assert all(re.fullmatch(r"database unavailable: .+; retrying in \d+ ?s", line) for line in unavailable), output
    assert "Traceback" not in output
    assert sent_texts == Counter(f"m{i}" for i in range(12)), "a row was sent twice, or not at all"
    assert re.search(r"^sent \w+ (to )?@restart0$", output, re.MULTILINE)

    eng = make_engine(cluster.url)
    with eng.connect() as conn:
        rows = dict(conn.execute(select(OutreachItem.id, OutreachItem.status)).all())
        attempts = Counter(conn.scalars(select(OutreachAttempt.queue_id)).all())
        outbound = conn.scalar(select(func.count()).select_from(Message).where(Message.is_outbound.is_(True)))
    # m3's outcome was written after the restart: every row sent, once, with one attempt and one message.
    assert rows == dict.fromkeys(before | after, "sent")
    assert set(attempts.values()) == {1}
    assert outbound == 12

    # `--once` and `--drain` do not wait forever: a bounded outage ends in one clear error.
    worker_in_process = Worker(eng, sender=make_sender(Settings(sender="dry-run", dry_run_path=tmp_path / "o"), None))
    cluster.stop()
    started = time.monotonic()
    with pytest.raises(DatabaseError) as raised:
        worker_in_process.run(once=True, give_up_after=2)
    worker_in_process.close()
    eng.dispose()
    assert 2 <= time.monotonic() - started < 30
    # The message gives the outage's measured length: at least the 2 s limit, more on a slow machine (the last
    # connection try can end after it; CI once read 3 s).
    said = re.fullmatch(r"database unavailable for (\d+)s, giving up: .+", str(raised.value))
    assert said, raised.value
    assert 2 <= int(said.group(1)) < 30


def _read(log: object) -> str:
    log.seek(0)  # type: ignore[attr-defined]
    return str(log.read())  # type: ignore[attr-defined]
