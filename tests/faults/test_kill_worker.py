"""kill -9 during `worker` at 20 seeded random points: consistent, and no queue row is ever sent twice."""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from functools import partial
from pathlib import Path

from sqlalchemy import Engine, insert, select, text

from everreach.config import Settings
from everreach.db.engine import make_engine
from everreach.db.models import Contact, OutreachAttempt, OutreachItem
from everreach.outreach.claims import INTERRUPTED
from everreach.outreach.senders import make_sender
from everreach.outreach.worker import Worker
from tests.faults.common import KillPoints, assert_consistent, reset, run_and_kill

KILLS = 20
ROWS = 8
OPEN_PACING = {
    "hourly_cap": 1_000_000,
    "daily_cap": 1_000_000,
    "min_gap_seconds": 0,
    "max_gap_seconds": 0,
    "active_hours_start": "00:00",
    "active_hours_end": "00:00",
    "contact_cooldown_hours": 0,
}


def _settings(outbox: Path) -> Settings:
    return Settings(sender="dry-run", dry_run_path=outbox, **OPEN_PACING)  # type: ignore[arg-type]


def _fill(engine: Engine) -> set[uuid.UUID]:
    contacts = [uuid.uuid4() for _ in range(4)]
    items = [uuid.uuid4() for _ in range(ROWS)]
    with engine.begin() as conn:
        conn.execute(insert(Contact), [{"id": c, "instagram_username": f"fault{i}"} for i, c in enumerate(contacts)])
        conn.execute(
            insert(OutreachItem),
            [
                {"id": item, "contact_id": contacts[i % 4], "username": f"fault{i % 4}", "message_text": f"hi {i}"}
                for i, item in enumerate(items)
            ],
        )
    return set(items)


def _drain(db_url: str, outbox: Path) -> None:
    settings = _settings(outbox)
    eng = make_engine(db_url)
    with Worker(eng, sender=make_sender(settings, "dry-run"), settings=settings) as worker:
        worker.run(drain=True)


def _sent_ids(outbox: Path) -> Counter[uuid.UUID]:
    if not outbox.exists():
        return Counter()
    return Counter(uuid.UUID(json.loads(line)["queue_id"]) for line in outbox.read_text().splitlines())


_DEAD_CLAIMS = text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid() "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


def _until_the_killed_session_is_gone(engine: Engine) -> None:
    """PostgreSQL: wait (up to 30 s) until the killed worker's server process has ended and its claim locks with
    it. On a slow machine it outlives the client by a moment, and while it holds a row's lock the row is a live
    claim that the next worker rightly leaves alone. SQLite's file locks go with the process."""
    if engine.dialect.name != "postgresql":
        return
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            if not conn.scalar(_DEAD_CLAIMS):
                return
        time.sleep(0.05)
    raise AssertionError("the killed worker's claim locks outlived it by 30 s")


def test_kill_during_worker(db_url: str, engine: Engine, tmp_path: Path) -> None:
    # A warm run here pays the one-off set-up, which the forked children inherit already done; then three whole
    # runs in forked children, like the trials', measure how long a run is, so the kills land inside it.
    whole_runs: list[float] = []
    for run in ("warm", "whole-1", "whole-2", "whole-3"):
        reset(engine)
        _fill(engine)
        outbox = tmp_path / f"{run}.jsonl"
        if run == "warm":
            _drain(db_url, outbox)
        else:
            elapsed = run_and_kill(partial(_drain, db_url, outbox), after=None)
            assert elapsed is not None
            whole_runs.append(elapsed)
        assert sum(_sent_ids(outbox).values()) == ROWS

    points = KillPoints(1337, whole_runs)
    killed = trials = 0
    while killed < KILLS:
        trials += 1
        assert trials <= 3 * KILLS, f"only {killed} of {trials} trials killed the worker mid-way"
        reset(engine)
        expected = _fill(engine)
        outbox = tmp_path / f"outbox-{trials}.jsonl"
        finished = run_and_kill(partial(_drain, db_url, outbox), after=points.next())
        if finished is None:
            killed += 1
        else:
            points.finished(finished)
        assert_consistent(engine)
        _until_the_killed_session_is_gone(engine)
        _drain(db_url, outbox)  # the next worker recovers the interrupted claim and sends the rest
        assert_consistent(engine)

        sent = _sent_ids(outbox)
        assert max(sent.values(), default=0) == 1, f"trial {trials}: a row was sent twice: {sent.most_common(1)}"
        with engine.connect() as conn:
            rows = {r.id: r for r in conn.execute(select(OutreachItem.id, OutreachItem.status, OutreachItem.error))}
            attempts = Counter(conn.scalars(select(OutreachAttempt.queue_id)))
        assert set(rows) == expected
        for item_id, row in rows.items():
            if row.status == "sent":
                assert sent[item_id] == 1, f"trial {trials}: sent but not in the outbox"
            else:
                # Claimed when the worker died: failed, never retried (it may or may not have been written).
                assert (row.status, row.error) == ("failed", INTERRUPTED), f"trial {trials}: {row}"
                assert attempts[item_id] == 1
        assert sum(1 for r in rows.values() if r.status == "failed") <= 1, "only the row in flight may fail"
