"""The Typer application, its global options, and what every command shares (engine, output, errors)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session
from typer import _click  # Typer vendors Click; its Context is the one TyperGroup takes
from typer._click.globals import get_current_context
from typer.core import TyperGroup

from everreach import config
from everreach.db import migrate
from everreach.db.engine import checked_urls, get_engine, normalise_url, session_scope
from everreach.errors import DatabaseError, EverReachError

console = Console()
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


class ErrorHandlingGroup(TyperGroup):
    """Turns expected failures into one clear line on stderr and exit code 1, never a traceback."""

    def invoke(self, ctx: _click.Context) -> Any:
        """Run the command, reporting user-facing errors on one line."""
        try:
            return super().invoke(ctx)
        except EverReachError as exc:
            fail(str(exc))
        except (OperationalError, InterfaceError) as exc:
            fail(f"database error: {migrate.first_line(exc)}")
        except DBAPIError as exc:
            fail(f"database error: {migrate.first_line(exc)}")


def fail(message: str, code: int = 1) -> None:
    """Print `error: message` on stderr and exit."""
    err_console.print(f"error: {message}", markup=False, style="red")
    raise typer.Exit(code)


app = typer.Typer(
    cls=ErrorHandlingGroup,
    help="EverReach: a local-first, relationship-first CRM for Instagram DMs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def global_options(
    db: Annotated[
        str | None,
        typer.Option("--db", help="Database URL (overrides EVERREACH_DATABASE_URL).", metavar="URL"),
    ] = None,
    config_file: Annotated[
        Path | None, typer.Option("--config", help="Settings TOML file (default: user config dir).")
    ] = None,
) -> None:
    """Global options apply to every command."""
    config.configure(database_url=db, config_file=str(config_file) if config_file else None)


#: Commands that may create a SQLite file that is not there yet (`db upgrade` opens its own engine).
CREATING_COMMANDS = frozenset({"import", "seed", "restore"})


def _refuse_missing_sqlite_file(raw_url: str) -> None:
    """A SQLite path that does not exist is a mistake unless the command is one that creates databases."""
    url = normalise_url(raw_url)
    name = url.database
    if url.get_backend_name() != "sqlite" or not name or name == ":memory:" or name.startswith("file:"):
        return
    path = Path(name).expanduser()
    ctx = get_current_context(silent=True)
    if path.exists() or (ctx is not None and ctx.info_name in CREATING_COMMANDS):
        return
    raise DatabaseError(
        f"no database at {path}: check the path (--db or EVERREACH_DATABASE_URL), or create it with "
        "`everreach db upgrade` (or `everreach import EXPORT`)"
    )


def engine() -> Engine:
    """The configured database, checked once per process to be at the current migration.

    A SQLite file is migrated on first use, and created only by `import`, `seed` and `restore` (and
    `db upgrade`); PostgreSQL needs `db upgrade`.
    """
    raw_url = config.get_settings().resolved_database_url()
    _refuse_missing_sqlite_file(raw_url)
    eng = get_engine(raw_url)
    key = eng.url.render_as_string()
    if key not in checked_urls:
        try:
            if eng.dialect.name == "sqlite":
                migrate.upgrade(eng)
            with eng.connect() as conn:
                migrate.require_current(conn)
        except OperationalError as exc:
            raise DatabaseError(f"cannot open database {safe_url(eng)}: {migrate.first_line(exc)}") from exc
        checked_urls.add(key)
    return eng


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """A session on the configured database that commits when the block succeeds."""
    with session_scope(engine()) as session:
        yield session


def safe_url(eng: Engine) -> str:
    """The engine's URL with any password hidden."""
    return eng.url.render_as_string(hide_password=True)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def print_json(data: Any) -> None:
    """Write data as JSON on stdout (datetimes ISO 8601, UUIDs as strings)."""
    typer.echo(json.dumps(data, default=_json_default, ensure_ascii=False, indent=2))


JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
