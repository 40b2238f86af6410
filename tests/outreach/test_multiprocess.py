"""Several worker processes on one database: every row sent exactly once, and a SIGKILL mid-send is safe.

The workers are forked from the test process (each with its own engine and connections), so the 3-7 s
of interpreter start and imports a new `everreach worker` process costs is not paid per worker; the CLI
itself runs in-process for the recovering drain.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import time
import uuid
from collections import Counter
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from pathlib import Path

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session
from typer.testing import Result

from everreach import config
from everreach.config import Settings
from everreach.db.engine import make_engine
from everreach.db.models import Contact, OutreachAttempt, OutreachItem
from everreach.outreach.claims import INTERRUPTED
from everreach.outreach.senders import make_sender
from everreach.outreach.worker import Worker
from tests.outreach.factories import T0, make_contact, open_pacing
from tests.outreach.servers import Received, Reply, serve

_FORK = multiprocessing.get_context("fork")


def _run_worker(db_url: str, settings: dict[str, object], drain: bool) -> None:
    """A worker process's whole life: its own engine, one sender, run until drained (or killed)."""
    values = Settings(**{**open_pacing(), **settings})  # type: ignore[arg-type]
    with Worker(make_engine(db_url), sender=make_sender(values, None), settings=values) as worker:
        worker.run(drain=drain)


def _worker(db_url: str, *, drain: bool = True, **settings: object) -> BaseProcess:
    process = _FORK.Process(target=_run_worker, args=(db_url, settings, drain), daemon=True)
    process.start()
    return process


def _finish(process: BaseProcess, timeout: float = 300) -> None:
    process.join(timeout)
    assert process.exitcode == 0, f"worker exit code {process.exitcode}"


def _fill(engine: Engine, *, rows: int, contacts: int) -> set[str]:
    contact_ids = [uuid.uuid4() for _ in range(contacts)]
    item_ids = [uuid.uuid4() for _ in range(rows)]
    with engine.begin() as conn:
        conn.execute(
            insert(Contact), [{"id": c, "instagram_username": f"user{i:04d}"} for i, c in enumerate(contact_ids)]
        )
        conn.execute(
            insert(OutreachItem),
            [
                {
                    "id": item_id,
                    "contact_id": contact_ids[i % contacts],
                    "username": f"user{i % contacts:04d}",
                    "message_text": f"hello number {i}",
                    "status": "pending",
                    "priority": 5,
                    "created_at": T0,
                }
                for i, item_id in enumerate(item_ids)
            ],
        )
    return {i.hex for i in item_ids}


def test_four_workers_send_each_row_exactly_once(db_url: str, engine: Engine, engine_name: str, tmp_path: Path) -> None:
    # 1000 rows (20 a contact) on PostgreSQL, 200 on SQLite: the four workers contend for claims all along
    rows = 1000 if engine_name == "postgresql" else 200
    expected = _fill(engine, rows=rows, contacts=50)
    outbox = tmp_path / "outbox.jsonl"
    procs = [_worker(db_url, sender="dry-run", dry_run_path=outbox) for _ in range(4)]
    for proc in procs:
        _finish(proc)
    sent = [json.loads(line)["queue_id"] for line in outbox.read_text().splitlines()]
    assert len(sent) == rows
    assert set(sent) == expected  # each row once, none twice
    with engine.connect() as conn:
        statuses = dict(conn.execute(select(OutreachItem.status, func.count()).group_by(OutreachItem.status)).all())
        assert statuses == {"sent": rows}
        per_row = conn.execute(select(OutreachAttempt.queue_id, func.count()).group_by(OutreachAttempt.queue_id)).all()
        assert len(per_row) == rows
        assert {count for _, count in per_row} == {1}
        workers = Counter(conn.scalars(select(OutreachAttempt.worker_id)).all())
    assert len(workers) > 1, workers  # the claims really were shared between processes


def test_worker_killed_mid_send_is_failed_never_resent(
    engine: Engine, db_url: str, session: Session, cli: Callable[..., Result]
) -> None:
    for name in ("ann", "bob"):
        make_contact(session, username=name)
    first = OutreachItem(
        id=uuid.uuid4(), contact_id=None, username="ann", message_text="stuck", priority=9, created_at=T0
    )
    second = OutreachItem(id=uuid.uuid4(), username="bob", message_text="fine", priority=1, created_at=T0)
    session.add_all([first, second])
    session.commit()

    def respond(received: Received) -> Reply:
        # The first send never gets an answer: the worker is killed while waiting for it.
        return Reply(hang=True) if received.body["text"] == "stuck" else Reply(json_body={"success": True})

    with serve(respond) as srv:
        settings = {"sender": "dm-server", "dm_server_url": srv.url, "sender_timeout_seconds": 60}
        victim = _worker(db_url, drain=False, **settings)
        deadline = time.monotonic() + 30
        while not srv.received and time.monotonic() < deadline:
            time.sleep(0.05)
        assert srv.received, "the worker never sent"
        session.expire_all()
        assert session.get(OutreachItem, first.id).status == "sending"  # type: ignore[union-attr]
        session.rollback()
        assert victim.pid is not None
        os.kill(victim.pid, signal.SIGKILL)
        victim.join(30)
        config.configure(**open_pacing(**settings))
        result = cli("worker", "--drain")
        assert result.exit_code == 0, result.output
        out = result.output
        texts = [body["text"] for body in srv.bodies()]
    assert "interrupted: delivery unknown" in out
    assert texts.count("stuck") == 1  # never sent a second time
    assert texts.count("fine") == 1
    session.expire_all()
    stuck = session.get(OutreachItem, first.id)
    assert stuck is not None
    assert (stuck.status, stuck.error) == ("failed", INTERRUPTED)
    fine = session.get(OutreachItem, second.id)
    assert fine is not None
    assert fine.status == "sent"
    outcomes = dict(session.execute(select(OutreachAttempt.queue_id, OutreachAttempt.outcome)).all())
    assert outcomes == {first.id: "interrupted", second.id: "sent"}
