"""`everreach backup PATH` and `everreach restore PATH`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from everreach.backup import FORMATS, BackupResult, backup_database, restore_database
from everreach.backup.tables import ProgressFn
from everreach.cli.app import JsonOption, app, console, engine, err_console, print_json, safe_url
from everreach.cli.humanise import plural

FormatOption = Annotated[
    str | None,
    typer.Option("--format", help=f"One of {', '.join(FORMATS)} (default: from the file name).", metavar="FMT"),
]


@contextmanager
def _progress(enabled: bool) -> Iterator[ProgressFn | None]:
    """A Rich progress display on stderr, one bar per table (none when output is JSON)."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console.rich, transient=True) as bars:
        tasks: dict[str, TaskID] = {}

        def report(what: str, done: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = bars.add_task(what, total=total or None)
            bars.update(tasks[what], completed=done, total=total or None)

        yield report


def _report(result: BackupResult, verb: str, as_json: bool) -> None:
    if as_json:
        print_json(result.model_dump() | {"total_rows": result.total_rows})
        return
    console.line(f"{verb} {plural(result.total_rows, 'row')} ({result.format}) {result.path}")


@app.command("backup")
def backup(
    path: Annotated[Path, typer.Argument(help="Backup file: .db/.sqlite (SQLite), .jsonl or .jsonl.gz.")],
    fmt: FormatOption = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Back up the whole database: a SQLite page copy, or portable JSON lines of every table."""
    with _progress(not as_json) as progress:
        result = backup_database(engine(), path, fmt=fmt, force=force, progress=progress)
    _report(result, "backed up", as_json)


@app.command("restore")
def restore(
    path: Annotated[Path, typer.Argument(help="A backup written by `everreach backup`.")],
    fmt: FormatOption = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the content of a non-empty database.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Restore a backup into the configured (migrated) database, SQLite or PostgreSQL."""
    eng = engine()
    with _progress(not as_json) as progress:
        result = restore_database(eng, path, fmt=fmt, force=force, progress=progress)
    _report(result, f"restored into {safe_url(eng)}:", as_json)
