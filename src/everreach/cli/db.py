"""`everreach db ...`: schema migrations."""

from __future__ import annotations

import typer

from everreach import config
from everreach.cli.app import app, console, refuse_missing_sqlite_file, safe_url
from everreach.db import migrate
from everreach.db.engine import get_engine

db_app = typer.Typer(help="Database schema: create, upgrade, inspect.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema; adopts a database built from the seed SQL without touching its rows."""
    eng = get_engine(config.get_settings().resolved_database_url())
    result = migrate.upgrade(eng)
    if result.adopted:
        console.line(f"adopted existing tables at {safe_url(eng)} (stamped {migrate.ADOPTED_REVISION})")
    if result.changed:
        console.line(f"migrated {safe_url(eng)}: {result.before or 'empty'} -> {result.after}")
    else:
        console.line(f"{safe_url(eng)} is up to date ({result.after})")


@db_app.command("current")
def db_current() -> None:
    """Show the database's migration and the newest one this code knows."""
    url = config.get_settings().resolved_database_url()
    refuse_missing_sqlite_file(url)  # a read: a mistyped path is reported, not made into an empty file
    eng = get_engine(url)
    with eng.connect() as conn:
        revision = migrate.current_revision(conn)
    console.line(f"database: {revision or 'none'}  code: {migrate.head_revision()}")
