"""Outreach benchmark: what at-most-once costs. Four worker processes (claim with its attempt row, dry-run
send, outcome) against a bare single-row `UPDATE ... SET status = 'sent'` loop in one process.

Both drain the same number of pending rows (quick: 300, full: 2,000) on a fresh database per engine, with the
pacing rules out of the way (no gap, no cooldown, caps far away) so the figure is the machinery itself.
The worker run is also checked: every row written to the outbox exactly once (in the notes).
Target: at least 1/20th of the bare loop's rows per second. The worker runs about ten statements, two
transactions, a liveness lock and an outbox append per row where the loop runs one statement; a human-paced
queue sends 10 an hour, so this measures the machinery's overhead, not a need for speed.
"""

from __future__ import annotations

import json
import multiprocessing
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from bench.common import Figure, bench_engines, data_path, engine_url
from everreach.db.engine import make_engine
from everreach.db.migrate import upgrade
from everreach.db.models import Contact, OutreachItem

AREA = "outreach"
WORKERS = 4
TARGET = 0.05
OPEN_PACING: dict[str, Any] = {
    "hourly_cap": 10_000_000,
    "daily_cap": 10_000_000,
    "min_gap_seconds": 0,
    "max_gap_seconds": 0,
    "active_hours_start": "00:00",
    "active_hours_end": "00:00",
    "contact_cooldown_hours": 0,
}


def _fill(url: str, rows: int) -> None:
    eng = make_engine(url)
    upgrade(eng)
    contacts = [uuid.uuid4() for _ in range(50)]
    now = datetime.now(UTC)
    with eng.begin() as conn:
        conn.execute(text("DELETE FROM outreach_attempts"))
        conn.execute(text("DELETE FROM outreach_queue"))
        conn.execute(text("DELETE FROM instagram_contacts"))
        conn.execute(insert(Contact), [{"id": c, "instagram_username": f"bench{i}"} for i, c in enumerate(contacts)])
        conn.execute(
            insert(OutreachItem),
            [
                {
                    "id": uuid.uuid4(),
                    "contact_id": contacts[i % 50],
                    "username": f"bench{i % 50}",
                    "message_text": f"hello {i}",
                    "status": "pending",
                    "priority": 5,
                    "created_at": now,
                }
                for i in range(rows)
            ],
        )
    eng.dispose()


def _baseline(url: str, rows: int) -> float:
    """Rows per second of the simplest possible queue: one UPDATE of the oldest pending row, committed."""
    eng = make_engine(url)
    claim = text(
        "UPDATE outreach_queue SET status = 'sent' WHERE id = "
        "(SELECT id FROM outreach_queue WHERE status = 'pending' ORDER BY created_at, id LIMIT 1)"
    )
    start = time.perf_counter()
    with eng.connect() as conn:
        for _ in range(rows):
            conn.execute(claim)
            conn.commit()
    elapsed = time.perf_counter() - start
    eng.dispose()
    return rows / elapsed


def _child(url: str, outbox: str, ready: Any, go: Any) -> None:
    from everreach import config
    from everreach.config import get_settings
    from everreach.outreach.senders import make_sender
    from everreach.outreach.worker import Worker

    config.configure(dry_run_path=outbox, **OPEN_PACING)
    eng = make_engine(url)
    with Worker(eng, sender=make_sender(get_settings(), "dry-run")) as worker:
        ready.release()
        go.wait()
        worker.run(drain=True)
    eng.dispose()


def _workers(url: str, rows: int, outbox: Path) -> tuple[float, str]:
    """Rows per second of WORKERS worker processes draining the queue; and whether each row went once."""
    outbox.unlink(missing_ok=True)
    ctx = multiprocessing.get_context("spawn")
    ready, go = ctx.Semaphore(0), ctx.Event()
    procs = [ctx.Process(target=_child, args=(url, str(outbox), ready, go)) for _ in range(WORKERS)]
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.acquire()  # imports and connections are not part of the measure
    start = time.perf_counter()
    go.set()
    for proc in procs:
        proc.join()
    elapsed = time.perf_counter() - start
    ids = [json.loads(line)["queue_id"] for line in outbox.read_text().splitlines()]
    check = f"outbox {len(ids)} lines, {len(set(ids))} distinct of {rows} rows"
    return rows / elapsed, check


def run(*, quick: bool) -> list[Figure]:
    """Claim-and-send throughput of 4 workers vs a bare single-row UPDATE loop, on each engine."""
    rows = 300 if quick else 2000
    figures = []
    for engine in bench_engines():
        with engine_url(engine, f"outreach_{engine}") as url:
            _fill(url, rows)
            baseline = _baseline(url, rows)
            _fill(url, rows)
            value, check = _workers(url, rows, data_path(f"outreach-outbox-{engine}.jsonl"))
        ratio = value / baseline
        exact = check.startswith(f"outbox {rows} lines, {rows} distinct")
        figures.append(
            Figure(
                area=AREA,
                name=f"claim+send, {WORKERS} workers",
                engine=engine,
                value=value,
                unit="rows/s",
                baseline_name="single-row UPDATE loop",
                baseline_value=baseline,
                target=f">= {TARGET}",
                ok=ratio >= TARGET and exact,
                ratio=ratio,
                notes=f"{rows} rows; {check}",
            )
        )
    return figures
