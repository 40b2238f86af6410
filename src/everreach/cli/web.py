"""`everreach serve`: the dashboard, JSON API and Instagram webhook in one local web server."""

from __future__ import annotations

import ipaddress
import os
from typing import Annotated

import typer

from everreach import config
from everreach.cli.app import app, console, refuse_missing_sqlite_file
from everreach.errors import ConfigError


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and 'localhost'."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).", min=1, max=65535)] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Server processes (default 1; more serve more requests at once on more cores).", min=1, max=32
        ),
    ] = None,
) -> None:
    """Run the dashboard, JSON API (/api/v1) and Instagram webhook (/webhooks/instagram)."""
    import uvicorn

    from everreach.http.app import create_app
    from everreach.http.login_guard import token_problem, weak_token_message

    settings = config.get_settings()
    host = host or settings.host
    port = port or settings.port
    workers = workers or settings.workers
    if not is_loopback(host) and not settings.access_token:
        raise ConfigError(
            f"refusing to listen on {host}: set EVERREACH_ACCESS_TOKEN first (anyone on the network could read "
            "your messages), or bind 127.0.0.1"
        )
    if settings.access_token is not None and (problem := token_problem(settings.access_token)):
        raise ConfigError(weak_token_message(problem))
    refuse_missing_sqlite_file(settings.resolved_database_url())  # only db upgrade, import, seed, restore create one
    shown = f"[{host}]" if ":" in host else host
    # The Host check answers to the name the server is bound as, which the --host flag may change.
    settings = settings.model_copy(update={"host": host, "workers": workers})
    if workers == 1:
        console.line(f"EverReach dashboard on http://{shown}:{port}/  (Ctrl-C stops)")
        uvicorn.run(create_app(settings, served=True), host=host, port=port, log_level="warning", proxy_headers=False)
        return
    # Each worker process builds its own app from the environment: hand it what this command resolved.
    os.environ.update(
        EVERREACH_DATABASE_URL=settings.resolved_database_url(),
        EVERREACH_CONFIG=str(config.config_file_path()),
        EVERREACH_HOST=host,
        EVERREACH_WORKERS=str(workers),
    )
    console.line(f"EverReach dashboard on http://{shown}:{port}/  ({workers} processes; Ctrl-C stops)")
    uvicorn.run(
        "everreach.http.app:serve_app", factory=True, workers=workers, host=host, port=port, log_level="warning",
        proxy_headers=False,
    )  # fmt: skip
