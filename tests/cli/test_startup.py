"""Start-up loads only what the command needs; `--help` lists every command from the registry's static lines."""

from __future__ import annotations

import inspect
import subprocess
import sys

import typer
from typer.testing import CliRunner

from everreach.cli import app
from everreach.cli.registry import COMMANDS

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


def test_help_imports_no_database_web_or_migration_code() -> None:
    probe = (
        "import sys\n"
        "from everreach.cli import main\n"
        "sys.argv = ['everreach', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"loaded = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print('LOADED', loaded, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert "LOADED []" in done.stderr, done.stderr
    for name in COMMANDS:
        assert name in done.stdout


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
