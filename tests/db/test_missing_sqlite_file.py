"""A mistyped SQLite path is refused, not made into a new empty database (issue 17, finding 7)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from everreach.cli import app
from everreach.ingest.synthetic import generate_export


def _run(url: str, *args: str) -> Result:
    return CliRunner().invoke(app, ["--db", url, *args])


#: Commands that read or write a database but never create one.
NOT_CREATING = [
    ["status"], ["contacts"], ["tasks"], ["queue", "list"], ["health", "ann"], ["value", "ann", "link", "x"],
    ["db", "current"], ["serve", "--port", "1"],
]  # fmt: skip


@pytest.mark.parametrize("command", NOT_CREATING, ids=[" ".join(c[:2]) for c in NOT_CREATING])
def test_commands_refuse_a_missing_file(tmp_path: Path, command: list[str]) -> None:
    """Read and write commands name the missing path, say how to create it, and create nothing."""
    path = tmp_path / "typo" / "everreach.db"
    result = _run(f"sqlite:///{path}", *command)
    assert result.exit_code == 1
    assert f"no database at {path}" in result.output
    assert "everreach db upgrade" in result.output
    assert "Traceback" not in result.output
    assert not path.exists()
    assert not path.parent.exists()


def test_backup_refuses_a_missing_file(tmp_path: Path) -> None:
    """A backup of a database that is not there is an error, not a backup of an empty one."""
    path = tmp_path / "nothing.db"
    result = _run(f"sqlite:///{path}", "backup", str(tmp_path / "b.jsonl"))
    assert result.exit_code == 1
    assert f"no database at {path}" in result.output
    assert not path.exists()


def test_db_upgrade_creates_the_file(tmp_path: Path) -> None:
    """`db upgrade` is how a new database is made; afterwards the other commands work."""
    url = f"sqlite:///{tmp_path / 'new' / 'everreach.db'}"
    assert _run(url, "db", "upgrade").exit_code == 0
    assert (tmp_path / "new" / "everreach.db").exists()
    result = _run(url, "status")
    assert result.exit_code == 0, result.output


def test_import_creates_the_file(tmp_path: Path) -> None:
    """`import` into a path that does not exist yet creates and migrates the database."""
    export = tmp_path / "export"
    generate_export(export, threads=2, messages=20, seed=1)
    path = tmp_path / "fresh.db"
    result = _run(f"sqlite:///{path}", "import", str(export))
    assert result.exit_code == 0, result.output
    assert path.exists()


def test_seed_creates_the_file(tmp_path: Path) -> None:
    """`seed` (the defaults a new database starts from) may create it too."""
    path = tmp_path / "seeded.db"
    result = _run(f"sqlite:///{path}", "seed")
    assert result.exit_code == 0, result.output
    assert path.exists()
