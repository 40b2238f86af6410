"""Live claims: a lock held by the worker from before its claim commits until its outcome commits.

A row found in `sending` whose lock nobody holds was left by a worker that died between claim and
outcome: it may or may not have been delivered, so it becomes `failed` ("interrupted: delivery unknown")
and is never sent again automatically. The lock goes away with the process that held it:

- PostgreSQL: a session-level advisory lock on the worker's connection (dropped when the connection dies);
- SQLite: an exclusive `flock` on a per-row file next to the database (dropped when the process dies).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, select, text, update
from sqlalchemy.orm import Session

from everreach.db.models import OutreachAttempt, OutreachItem
from everreach.errors import ConfigError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

INTERRUPTED = "interrupted: delivery unknown"
_UNLOCK = text("SELECT pg_advisory_unlock(:k)")


def lock_key(item_id: uuid.UUID) -> int:
    """The 64-bit advisory lock key of a queue row."""
    return int.from_bytes(item_id.bytes[:8], "big", signed=True)


def advisory_unlock(bind: Connection | Session, item_id: uuid.UUID) -> None:
    """Drop a row's PostgreSQL claim lock held by this connection (inside the caller's transaction, if any)."""
    bind.scalar(_UNLOCK, {"k": lock_key(item_id)})


class ClaimLocks(Protocol):
    """Per-row liveness locks."""

    def hold(self, item_id: uuid.UUID) -> bool:
        """Take the row's lock for a claim (call before the claim commits); False if it is held."""
        ...

    def release(self, item_id: uuid.UUID) -> None:
        """Drop the row's lock (call after the outcome commits)."""
        ...

    def probe(self, item_id: uuid.UUID) -> bool:
        """Inside a recovery transaction: True (and locked until `after_probe`) if no live claim holds it."""
        ...

    def after_probe(self, item_id: uuid.UUID) -> None:
        """Drop what `probe` took, after the recovery transaction ended."""
        ...


class AdvisoryLocks:
    """PostgreSQL advisory locks on the worker's own connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def hold(self, item_id: uuid.UUID) -> bool:
        """Session-level: survives the claim's commit, vanishes with the connection."""
        return bool(self.conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": lock_key(item_id)}))

    def release(self, item_id: uuid.UUID) -> None:
        """Unlock after the outcome is committed."""
        advisory_unlock(self.conn, item_id)
        if self.conn.in_transaction():
            self.conn.commit()

    def probe(self, item_id: uuid.UUID) -> bool:
        """Transaction-level: released by the recovery's commit."""
        return bool(self.conn.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": lock_key(item_id)}))

    def after_probe(self, item_id: uuid.UUID) -> None:
        """Nothing left to release."""


class FileLocks:
    """flock()ed files in `<database>.claims/`, one per row being sent."""

    def __init__(self, database_path: str) -> None:
        if fcntl is None:  # pragma: no cover
            raise ConfigError("the SQLite worker needs POSIX file locks (use PostgreSQL on this platform)")
        self.directory = Path(database_path).with_name(Path(database_path).name + ".claims")
        self._fds: dict[uuid.UUID, int] = {}
        self.directory.mkdir(parents=True, exist_ok=True)

    def _path(self, item_id: uuid.UUID) -> Path:
        return self.directory / f"{item_id.hex}.lock"

    def hold(self, item_id: uuid.UUID) -> bool:
        """Open and lock the row's file without waiting."""
        fd = os.open(self._path(item_id), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fds[item_id] = fd
        return True

    def release(self, item_id: uuid.UUID) -> None:
        """Remove the file while still holding it, then let go."""
        fd = self._fds.pop(item_id, None)
        if fd is None:
            return
        try:
            self._path(item_id).unlink(missing_ok=True)
        finally:
            os.close(fd)

    probe = hold
    after_probe = release

    @contextmanager
    def writer(self) -> Iterator[None]:
        """Queue the workers' write transactions in the kernel (woken at once on release).

        SQLite's own busy handler polls with growing sleeps, which starves several busy workers;
        other writers (CLI, import) still meet the workers at SQLite's lock, unchanged.
        """
        fd = os.open(self.directory / "writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)


def recover_interrupted(session: Session, locks: ClaimLocks, *, now: datetime) -> list[uuid.UUID]:
    """Fail every `sending` row with no live claim; the caller commits, then calls `locks.after_probe`."""
    sending = session.scalars(
        select(OutreachItem.id).where(OutreachItem.status == "sending").with_for_update(skip_locked=True)
    ).all()
    dead: list[uuid.UUID] = []
    try:
        for item_id in sending:
            if locks.probe(item_id):
                dead.append(item_id)
        for item_id in dead:
            session.execute(
                update(OutreachItem)
                .where(OutreachItem.id == item_id, OutreachItem.status == "sending")
                .values(status="failed", error=INTERRUPTED)
                .execution_options(synchronize_session=False)
            )
            session.execute(
                update(OutreachAttempt)
                .where(OutreachAttempt.queue_id == item_id, OutreachAttempt.outcome.is_(None))
                .values(outcome="interrupted", finished_at=now, error=INTERRUPTED)
                .execution_options(synchronize_session=False)
            )
    except BaseException:
        # A file lock taken by a probe would otherwise make the row look alive until this process exits.
        for item_id in dead:
            locks.after_probe(item_id)
        raise
    return dead
