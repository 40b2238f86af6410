"""The Typer application, its global options, and what every command shares (engine, output, errors).

Start-up imports only Typer: command modules load when their command runs (see `registry`), and the database
layer loads inside `engine()`.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, tzinfo
from difflib import get_close_matches
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer import _click  # Typer vendors Click; its Context is the one TyperGroup takes
from typer._click.globals import get_current_context
from typer.core import TyperCommand, TyperGroup

from everreach.cli.output import console, err_console, print_json
from everreach.cli.registry import COMMANDS, module_of
from everreach.errors import DatabaseError, EverReachError

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

__all__ = [
    "JsonOption", "app", "console", "engine", "err_console", "fail", "local_zone", "print_json", "safe_url",
    "unit_of_work",
]  # fmt: skip


def _database_error(exc: BaseException) -> str | None:
    """The one-line message for a database driver error, or None when `exc` is not one."""
    sa_exc = sys.modules.get("sqlalchemy.exc")  # not imported yet: the error cannot be SQLAlchemy's
    if sa_exc is None or not isinstance(exc, sa_exc.DBAPIError):
        return None
    from everreach.db import migrate

    return f"database error: {migrate.first_line(exc)}"


class LazyGroup(TyperGroup):
    """The top-level group: loads a command's module when it runs, lists every command from the registry for
    `--help`, and turns expected failures into one clear line on stderr and exit code 1, never a traceback."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Build the group; registry commands not yet imported are described by their static help."""
        super().__init__(*args, **kwargs)
        self._describing = False
        self._converted = 0
        _take_plain_values_as_typed(self)

    def list_commands(self, ctx: _click.Context) -> list[str]:
        """Registry commands in registry order, then any other command already registered."""
        return [*COMMANDS, *(name for name in self.commands if name not in COMMANDS)]

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        """The command, importing its module on first use (a static stand-in while help is being written)."""
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        if self._describing:
            return TyperCommand(cmd_name, help=entry.help, short_help=entry.help)
        importlib.import_module(module_of(cmd_name))
        self._load_registered()
        return self.commands.get(cmd_name)

    def _load_registered(self) -> None:
        """Turn commands registered on `app` since the last call into Click commands of this group."""
        pending = typer.Typer()
        pending.registered_commands = list(app.registered_commands)
        pending.registered_groups = list(app.registered_groups)
        for name, command in typer.main.get_group(pending).commands.items():
            _take_plain_values_as_typed(command)
            self.commands.setdefault(name, command)

    def format_help(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        """Help from the registry's static lines, importing no command module."""
        self._describing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._describing = False

    def resolve_command(
        self, ctx: _click.Context, args: list[str]
    ) -> tuple[str | None, _click.Command | None, list[str]]:
        """The command named first in args; a mistyped name is answered with the closest names."""
        try:
            return self._click_resolve_command(ctx, args)
        except _click.exceptions.UsageError as exc:
            matches = get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if matches:
                exc.message = f"{exc.message.rstrip('.')}. Did you mean {', '.join(repr(m) for m in matches)}?"
            raise

    def invoke(self, ctx: _click.Context) -> Any:
        """Run the command, reporting user-facing errors on one line."""
        try:
            return super().invoke(ctx)
        except EverReachError as exc:
            fail(str(exc))
        except Exception as exc:
            message = _database_error(exc)
            if message is None:
                raise
            fail(message)


def _take_plain_values_as_typed(command: _click.Command) -> None:
    """Text options and flags of the command (and its subcommands) are used as the parser gives them.

    Typer checks every option value with a pydantic TypeAdapter, even `--help`'s, and importing pydantic for that
    costs about 100 ms of a command's start-up; a string or a flag needs no check (every other type still gets
    Typer's). Left to Typer if its internals change.
    """
    from typer._coercion import PassThroughRuntimeParam

    help_option = command.get_help_option(_click.Context(command))  # made and kept now, so it is covered too
    for param in [*command.params, *([help_option] if help_option is not None else [])]:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is None or descriptor.annotation not in (str, bool) or not hasattr(param, "_runtime_param"):
            continue
        param._runtime_param = PassThroughRuntimeParam(
            annotation=descriptor.annotation, parameter_info=descriptor.parameter_info
        )
    for sub in getattr(command, "commands", {}).values():
        _take_plain_values_as_typed(sub)


def fail(message: str, code: int = 1) -> None:
    """Print `error: message` on stderr and exit."""
    err_console.line(f"error: {message}", style="red")
    raise typer.Exit(code)


app = typer.Typer(
    cls=LazyGroup,
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
        str | None, typer.Option("--config", help="Settings TOML file (default: user config dir).", metavar="FILE")
    ] = None,
) -> None:
    """Global options apply to every command."""
    from everreach import config

    config.configure(database_url=db, config_file=config_file or None)


#: Commands that may create a SQLite file that is not there yet (`db upgrade` opens its own engine).
CREATING_COMMANDS = frozenset({"import", "seed", "restore"})


def refuse_missing_sqlite_file(raw_url: str) -> None:
    """A SQLite path that does not exist is a mistake unless the command is one that creates databases."""
    from everreach.db.engine import normalise_url

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
    from sqlalchemy.exc import OperationalError

    from everreach import config
    from everreach.db import migrate
    from everreach.db.engine import checked_urls, get_engine

    raw_url = config.database_url()
    refuse_missing_sqlite_file(raw_url)
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
def unit_of_work(*, write: bool = False) -> Iterator[Session]:
    """A session on the configured database that commits when the block succeeds (`write`: see session_scope)."""
    from everreach.db.engine import session_scope

    with session_scope(engine(), write=write) as session:
        yield session


def safe_url(eng: Engine) -> str:
    """The engine's URL with any password hidden."""
    return eng.url.render_as_string(hide_password=True)


JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def local_zone() -> tzinfo:
    """The user's time zone (settings `timezone`) for dates shown; UTC when it is not a known zone."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from everreach import config

    try:
        return ZoneInfo(config.get_settings().timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC
