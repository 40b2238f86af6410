"""The FastAPI application: JSON API under /api/v1, the Instagram webhook, and the dashboard."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from everreach import __version__
from everreach.config import Settings, get_settings
from everreach.db import migrate
from everreach.db.engine import make_engine, session_factory
from everreach.errors import DatabaseError
from everreach.http.admission import MAX_IN_APP, AdmissionGate
from everreach.http.api import router as api_router
from everreach.http.errors import install_error_handlers
from everreach.http.headers import SecurityHeaders
from everreach.http.hosts import HostGuard
from everreach.http.input_guard import InputGuard, install_page_validation
from everreach.http.login_guard import LoginThrottle, per_process_limit
from everreach.http.security import SecurityMiddleware
from everreach.http.webhooks.router import router as webhook_router
from everreach.ingest.jobs import ImportJobs

#: Pooled connections: at least one per request the admission gate lets in (a request holds one between thread
#: trips, see http.admission), on both engines; PostgreSQL keeps 20 open, so a burst never waits for a new
#: server process to be forked (the 5-connection default does).
POOL = {"pool_size": 20, "max_overflow": 20}
assert POOL["pool_size"] + POOL["max_overflow"] >= MAX_IN_APP


def open_database(settings: Settings) -> Engine:
    """An engine on the configured database, at the current migration (SQLite is migrated on first use)."""
    url = settings.resolved_database_url()
    engine = make_engine(url, **POOL)
    try:
        if engine.dialect.name == "sqlite":
            migrate.upgrade(engine)
        with engine.connect() as conn:
            migrate.require_current(conn)
    except Exception as exc:
        engine.dispose()
        if isinstance(exc, DatabaseError):
            raise
        raise DatabaseError(f"cannot open database: {migrate.first_line(exc)}") from exc
    return engine


def create_app(settings: Settings | None = None, *, served: bool = False) -> FastAPI:
    """Build the app on the given settings (default: the process settings).

    `served`: the app is the process's for its whole life (`everreach serve`): at start-up, what start-up made
    is frozen out of the garbage collector's walks (see the lifespan).
    """
    settings = settings or get_settings()
    engine = open_database(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Served: what start-up made (modules, routes, the model's tables) lives as long as the server: frozen, the
        # collector no longer walks it. A full collection over it stalled every request in the process for
        # 85-320 ms (about 145k objects; the tail of bench/api_load); frozen, it takes well under 1 ms.
        if served:
            gc.collect()
            gc.freeze()
        try:
            yield
        finally:
            if served:
                gc.unfreeze()
            engine.dispose()

    app = FastAPI(
        title="EverReach",
        version=__version__,
        description="Local-first, relationship-first CRM for Instagram DMs.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served by everreach.http.web.assets from local copies (no CDN)
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.imports = ImportJobs(sessions=app.state.sessions, upload_dir=settings.data_dir / "uploads")
    # Outermost last: headers on every answer, then Host/Origin, login throttle, token/CSRF/size, input checks,
    # and innermost the admission gate (only requests that passed every check wait for a place).
    app.add_middleware(AdmissionGate)
    app.add_middleware(InputGuard)
    app.add_middleware(SecurityMiddleware, settings=settings)
    app.add_middleware(LoginThrottle, limit=per_process_limit(settings.workers))
    app.add_middleware(HostGuard, settings=settings)
    app.add_middleware(SecurityHeaders)
    install_error_handlers(app)
    install_page_validation(app)
    app.include_router(api_router)
    app.include_router(webhook_router)
    from everreach.http.web.pages import router as pages_router

    app.include_router(pages_router)
    static = resources.files("everreach.http.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    return app


def serve_app() -> FastAPI:
    """The app of one `everreach serve --workers N` process (uvicorn's factory): `create_app(served=True)`."""
    return create_app(served=True)
