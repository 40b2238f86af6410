"""Start-up loads only what the command needs; `--help` lists every command from the registry's static lines."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer
from sqlalchemy import update
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from everreach.cli import app
from everreach.cli.registry import COMMANDS
from everreach.db.models import Contact
from everreach.relationship import queries
from tests.relationship.factories import contact

#: rich.table is not here: Typer draws its own help with it.
HEAVY = (
    "sqlalchemy",
    "sqlalchemy.orm",
    "fastapi",
    "alembic",
    "pydantic_settings",
    "everreach.db.models",
    "everreach.config",
)


#: What the JSON weekly tasks never need: the ORM and its models, pydantic (schemas, settings, Typer's checks).
NOT_FOR_TASKS = (
    "sqlalchemy.orm",
    "everreach.db.models",
    "everreach.relationship.queries",
    "everreach.relationship.recompute",
    "pydantic",
    "pydantic_settings",
    "everreach.config.settings",
    "alembic",
    "rich",
)


def _loaded_by(
    args: list[str], watched: tuple[str, ...], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `everreach ARGS` in a fresh interpreter; stderr ends with the watched modules it imported."""
    probe = (
        "import sys\n"
        "from everreach.cli import main\n"
        f"sys.argv = ['everreach', *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
        f"loaded = [m for m in {watched!r} if m in sys.modules]\n"
        "print('LOADED', loaded, file=sys.stderr)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True, env=env
    )


def test_help_imports_no_database_web_or_migration_code() -> None:
    done = _loaded_by(["--help"], HEAVY)
    assert "LOADED []" in done.stderr, done.stderr
    for name in COMMANDS:
        assert name in done.stdout


def test_json_tasks_load_no_orm_model_pydantic_or_settings(db_url: str, session: Session, tmp_path: Path) -> None:
    made = contact(session, username="maya")
    session.execute(update(Contact).where(Contact.id == made.id).values(relationship_score=72))
    session.commit()
    done = _loaded_by(["--db", db_url, "tasks", "--json"], NOT_FOR_TASKS)
    assert "LOADED []" in done.stderr, done.stderr
    assert json.loads(done.stdout)["micro_wins"] == ["maya"]
    # As a user runs it: the database from the environment, no settings file, nothing else configured.
    plain = {k: v for k, v in os.environ.items() if not k.upper().startswith("EVERREACH_")}
    plain |= {"EVERREACH_DATABASE_URL": db_url, "EVERREACH_CONFIG": str(tmp_path / "absent.toml")}
    done = _loaded_by(["tasks", "--json"], NOT_FOR_TASKS, env=plain)
    assert "LOADED []" in done.stderr, done.stderr
    assert json.loads(done.stdout)["micro_wins"] == ["maya"]


def test_json_tasks_are_the_apis_weekly_tasks(cli: Callable[..., Result], session: Session) -> None:
    rows = [("ana", 91, None), ("ben", 64, 40.0), ("cy", 55, 10.0), ("dee", 45, 1.0), ("eli", 12, 90.0)]
    for username, score, days in rows:
        made = contact(session, username=username)
        touch = None if days is None else datetime.now(UTC) - timedelta(days=days)
        values = {"relationship_score": score, "last_meaningful_touch": touch}
        session.execute(update(Contact).where(Contact.id == made.id).values(**values))
    session.commit()
    result = cli("tasks", "--json")
    assert result.exit_code == 0, result.output
    expected = queries.weekly_tasks(session).model_dump()
    assert json.loads(result.stdout) == expected
    assert list(expected) == ["micro_wins", "curiosity", "rewarm", "offers"]
    assert expected["micro_wins"] == ["ana", "ben"]  # dee, touched yesterday, is in no bucket


def test_registry_help_is_each_commands_docstring() -> None:
    group = typer.main.get_command(app)
    ctx = typer.Context(group)
    assert isinstance(group, typer.core.TyperGroup)
    for name, entry in COMMANDS.items():
        command = group.get_command(ctx, name)
        assert command is not None, name
        real = command.help or ""
        if not real and command.callback is not None:
            real = inspect.getdoc(command.callback) or ""
        first = " ".join(real.strip().split("\n\n")[0].split())
        assert first == entry.help, name


def test_a_mistyped_command_gets_a_suggestion() -> None:
    result = CliRunner().invoke(app, ["taks"])
    assert result.exit_code == 2
    assert "Did you mean 'tasks'" in result.output


def test_subcommand_help_still_works() -> None:
    result = CliRunner().invoke(app, ["queue", "--help"])
    assert result.exit_code == 0
    assert "add" in result.output
    assert "cancel" in result.output
