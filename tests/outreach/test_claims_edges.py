"""Claim locks and the recovery of interrupted sends, at their edges (mutants of outreach/claims.py)."""

from __future__ import annotations

import fcntl
import os
import stat
import uuid
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from everreach.db.models import OutreachAttempt, OutreachItem
from everreach.errors import ConfigError
from everreach.outreach import claims
from everreach.outreach.claims import INTERRUPTED, AdvisoryLocks, FileLocks, lock_key, recover_interrupted
from tests.outreach.factories import T0, make_contact


class FakeLocks:
    """Claim locks held by the ids in `live`; records what was probed and released."""

    def __init__(self, live: set[uuid.UUID]) -> None:
        self.live = live
        self.released: list[uuid.UUID] = []

    def hold(self, item_id: uuid.UUID) -> bool:
        return item_id not in self.live

    def release(self, item_id: uuid.UUID) -> None:
        self.released.append(item_id)

    def probe(self, item_id: uuid.UUID) -> bool:
        return item_id not in self.live

    def after_probe(self, item_id: uuid.UUID) -> None:
        self.released.append(item_id)


def _row(session: Session, status: str, *outcomes: str | None) -> uuid.UUID:
    contact = make_contact(session, username=f"c{uuid.uuid4().hex[:8]}")
    item = OutreachItem(
        id=uuid.uuid4(), contact_id=contact.id, username=contact.instagram_username, message_text="hi", status=status
    )
    session.add(item)
    session.flush()
    for outcome in outcomes:
        session.add(
            OutreachAttempt(
                id=uuid.uuid4(), queue_id=item.id, worker_id="w", sender="s", claimed_at=T0, outcome=outcome
            )
        )
    session.flush()
    return item.id


def test_lock_key_is_the_first_eight_bytes_signed_big_endian() -> None:
    assert lock_key(uuid.UUID("00000000-0000-0001-ffff-ffffffffffff")) == 1
    assert lock_key(uuid.UUID("ffffffff-ffff-ffff-0000-000000000000")) == -1
    assert lock_key(uuid.UUID("80000000-0000-0000-0000-000000000000")) == -(2**63)
    assert lock_key(uuid.UUID("01000000-0000-0000-0000-000000000000")) == 2**56


def test_file_locks_live_beside_the_database_and_exclude_each_other(tmp_path: Path) -> None:
    db = tmp_path / "data" / "everreach.db"
    mine, other = FileLocks(str(db)), FileLocks(str(db))
    assert mine.directory == tmp_path / "data" / "everreach.db.claims"
    assert mine.directory.is_dir()
    item = uuid.uuid4()
    assert mine.hold(item)
    lock_file = mine.directory / f"{item.hex}.lock"
    assert stat.S_IMODE(lock_file.stat().st_mode) == 0o600
    assert not other.hold(item)  # held by a live claim
    assert not other.probe(item)
    mine.release(item)
    assert not lock_file.exists()
    assert other.probe(item)  # nobody holds it now
    other.after_probe(item)
    mine.release(uuid.uuid4())  # releasing what was never held is harmless
    gone = uuid.uuid4()
    assert mine.hold(gone)
    (mine.directory / f"{gone.hex}.lock").unlink()  # someone tidied the directory meanwhile
    mine.release(gone)
    assert mine.hold(gone)  # the descriptor was closed: the row can be claimed again
    mine.release(gone)


def test_file_locks_need_posix_locks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(claims, "fcntl", None)
    with pytest.raises(ConfigError) as caught:
        FileLocks(str(tmp_path / "x.db"))
    assert str(caught.value) == "the SQLite worker needs POSIX file locks (use PostgreSQL on this platform)"


def test_the_writer_lock_is_exclusive_while_held(tmp_path: Path) -> None:
    locks = FileLocks(str(tmp_path / "x.db"))
    with locks.writer():
        fd = os.open(locks.directory / "writer.lock", os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)
    fd = os.open(locks.directory / "writer.lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free again
    finally:
        os.close(fd)


def test_recovery_fails_only_sending_rows_without_a_live_claim(session: Session) -> None:
    dead = _row(session, "sending", "failed", None)
    alive = _row(session, "sending", None)
    waiting = _row(session, "pending")
    locks = FakeLocks(live={alive})
    assert recover_interrupted(session, locks, now=T0) == [dead]
    session.expire_all()
    assert session.get(OutreachItem, dead).status == "failed"  # type: ignore[union-attr]
    assert session.get(OutreachItem, dead).error == INTERRUPTED  # type: ignore[union-attr]
    assert session.get(OutreachItem, alive).status == "sending"  # type: ignore[union-attr]
    assert session.get(OutreachItem, waiting).status == "pending"  # type: ignore[union-attr]
    attempts = session.execute(
        select(OutreachAttempt.outcome, OutreachAttempt.finished_at, OutreachAttempt.error)
        .where(OutreachAttempt.queue_id == dead)
        .order_by(OutreachAttempt.outcome)
    ).all()
    # The earlier attempt keeps its own outcome; the one in flight becomes interrupted, finished now.
    assert sorted(attempts, key=lambda r: r[0]) == [("failed", None, None), ("interrupted", T0, INTERRUPTED)]
    live_attempt = session.scalar(select(OutreachAttempt.outcome).where(OutreachAttempt.queue_id == alive))
    assert live_attempt is None
    assert locks.released == []  # the caller releases probes after its commit


def test_a_row_that_finished_during_recovery_is_left_alone(session: Session) -> None:
    """The update re-checks `sending`: a row its worker finished meanwhile keeps its outcome."""
    finished = _row(session, "sending", "sent")

    class FinishingLocks(FakeLocks):
        def probe(self, item_id: uuid.UUID) -> bool:
            session.execute(
                OutreachItem.__table__.update().where(OutreachItem.id == item_id).values(status="sent")  # type: ignore[attr-defined]
            )
            return True

    recover_interrupted(session, FinishingLocks(live=set()), now=T0)
    session.expire_all()
    assert session.get(OutreachItem, finished).status == "sent"  # type: ignore[union-attr]
    assert session.get(OutreachItem, finished).error is None  # type: ignore[union-attr]


def test_a_failed_recovery_releases_what_it_probed(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    dead = _row(session, "sending", None)
    locks = FakeLocks(live=set())
    real_execute = session.execute

    def failing(statement, *args, **kwargs):  # type: ignore[no-untyped-def]
        if getattr(statement, "is_dml", False):
            raise RuntimeError("connection lost")
        return real_execute(statement, *args, **kwargs)

    monkeypatch.setattr(session, "execute", failing)
    with pytest.raises(RuntimeError, match="connection lost"):
        recover_interrupted(session, locks, now=T0)
    assert locks.released == [dead]


def test_advisory_locks_are_per_connection(engine: Engine, engine_name: str) -> None:
    if engine_name != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")
    item = uuid.uuid4()
    with engine.connect() as one, engine.connect() as two:
        mine, other = AdvisoryLocks(one), AdvisoryLocks(two)
        assert mine.hold(item)
        assert not other.hold(item)
        two.rollback()  # a session-level lock outlives the transaction: the probe is the one to test
        with two.begin():
            assert not other.probe(item)
        mine.release(item)
        assert not one.in_transaction()
        with two.begin():
            assert other.probe(item)
        other.after_probe(item)
        assert mine.hold(item)  # the probe's lock ended with its transaction
        mine.release(item)


def test_recovery_skips_a_row_locked_elsewhere(session: Session, engine: Engine, engine_name: str) -> None:
    """A row locked by another transaction (a worker's claim, a second recovery) is skipped, not waited for."""
    if engine_name != "postgresql":
        pytest.skip("SQLite has no row locks (FOR UPDATE is left out)")
    locked = _row(session, "sending", None)
    session.commit()
    with engine.connect() as other:
        other.execute(select(OutreachItem.id).where(OutreachItem.id == locked).with_for_update())
        session.execute(text("SET LOCAL lock_timeout = '2s'"))  # waiting for the lock would fail, not hang
        assert recover_interrupted(session, FakeLocks(live=set()), now=T0) == []
        other.rollback()
    assert session.get(OutreachItem, locked).status == "sending"  # type: ignore[union-attr]
