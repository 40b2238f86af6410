"""`everreach db ...` and `everreach status`: schema migrations and readiness."""

from __future__ import annotations

import typer
from rich.table import Table
from sqlalchemy import func, select

from everreach import config
from everreach.cli.app import JsonOption, app, console, engine, print_json, safe_url
from everreach.db import migrate
from everreach.db.engine import get_engine
from everreach.db.models import Base

db_app = typer.Typer(help="Database schema: create, upgrade, inspect.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema; adopts a database built from the seed SQL without touching its rows."""
    eng = get_engine(config.get_settings().resolved_database_url())
    result = migrate.upgrade(eng)
    if result.adopted:
        console.print(f"adopted existing tables at {safe_url(eng)} (stamped {migrate.ADOPTED_REVISION})")
    if result.changed:
        console.print(f"migrated {safe_url(eng)}: {result.before or 'empty'} -> {result.after}")
    else:
        console.print(f"{safe_url(eng)} is up to date ({result.after})")


@db_app.command("current")
def db_current() -> None:
    """Show the database's migration and the newest one this code knows."""
    eng = get_engine(config.get_settings().resolved_database_url())
    with eng.connect() as conn:
        revision = migrate.current_revision(conn)
    console.print(f"database: {revision or 'none'}  code: {migrate.head_revision()}")


@app.command("status")
def status(as_json: JsonOption = False) -> None:
    """Show which database is in use, its migration, and how many rows each table holds."""
    eng = engine()
    counts: dict[str, int] = {}
    with eng.connect() as conn:
        for name, db_table in Base.metadata.tables.items():
            counts[name] = conn.execute(select(func.count()).select_from(db_table)).scalar_one()
        revision = migrate.current_revision(conn)
    if as_json:
        print_json({"database": safe_url(eng), "revision": revision, "tables": counts})
        return
    console.print(f"[bold]EverReach[/] is ready: {safe_url(eng)} at migration {revision}")
    table = Table("table", "rows")
    for name, count in counts.items():
        table.add_row(name, str(count))
    console.print(table)
