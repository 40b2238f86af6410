"""Request-scoped dependencies: one database session per request (one unit of work), and the settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from everreach.config import Settings
from everreach.db.engine import transaction
from everreach.http.security import UNSAFE_METHODS


async def _session(request: Request) -> AsyncIterator[Session]:
    """A session that commits when the handler succeeds and rolls back when it raises.

    Made and committed on the event loop (a commit is short; a thread hand-off each way is not, and a write
    unit holds the write lock until its commit), so only the handler itself runs in a worker thread.

    A request that may change something is a write unit (see `transaction`): the services read a row and write
    it back (a log entry appended, a queue row added unless one is open), so two at once must not interleave.
    """
    write = request.method in UNSAFE_METHODS
    with transaction(request.app.state.sessions, write=write) as session:
        yield session


async def _settings(request: Request) -> Settings:  # a coroutine: no thread-pool trip
    settings: Settings = request.app.state.settings
    return settings


# scope="function": the commit happens before the response is sent, so a failed commit is a 500, not a lie.
DbSession = Annotated[Session, Depends(_session, scope="function")]
AppSettings = Annotated[Settings, Depends(_settings)]
