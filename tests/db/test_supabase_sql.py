"""supabase/migrations/ is what the generator writes from the Alembic revisions; new revisions need no hand edits."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from everreach.db import supabase_sql
from everreach.db.migrate import known_revisions

SUPABASE = Path(__file__).resolve().parents[2] / "supabase" / "migrations"

_NEW_REVISION = '''"""example_notes: a table a later revision adds.

Revision ID: {revision}
Revises: {down}
{create_date}"""

import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("example_notes", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("body", sa.Text()))
    op.execute("COMMENT ON TABLE example_notes IS 'notes, 100% made up'")


def downgrade() -> None:
    op.drop_table("example_notes")
'''


def test_committed_supabase_migrations_are_what_the_generator_writes(tmp_path: Path) -> None:
    written = supabase_sql.write(tmp_path)
    assert len(written) == len(known_revisions())
    diff = supabase_sql.diff_folders(SUPABASE, tmp_path)
    assert diff == "", f"supabase/migrations is out of date; run `{supabase_sql.COMMAND}`:\n{diff}"


def test_every_file_says_it_is_generated_and_how_to_regenerate() -> None:
    for f in supabase_sql.migration_files():
        first = f.text.splitlines()[0]
        assert first.startswith("-- Generated from src/everreach/db/migrations/versions/"), f.name
        assert supabase_sql.COMMAND in first, f.name
        assert "do not edit" in first, f.name


def _migrations_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "migrations"
    shutil.copytree(
        Path(supabase_sql.__file__).with_name("migrations"), folder, ignore=shutil.ignore_patterns("__pycache__")
    )
    return folder


def test_a_new_revision_gets_its_own_file_and_the_others_keep_theirs(tmp_path: Path) -> None:
    folder = _migrations_copy(tmp_path)
    head = max(known_revisions())
    new = f"{int(head) + 1:04d}"
    (folder / "versions" / f"{new}_example_notes.py").write_text(
        _NEW_REVISION.format(revision=new, down=head, create_date="Create Date: 2031-02-03 04:05:06.789012\n"),
        encoding="utf-8",
    )
    before = {f.name: f.text for f in supabase_sql.migration_files()}
    after = {f.name: f.text for f in supabase_sql.migration_files(str(folder))}
    added = set(after) - set(before)
    assert added == {"20310203040506_example_notes.sql"}
    assert {name: after[name] for name in before} == before
    text = after["20310203040506_example_notes.sql"]
    assert f"{new}_example_notes.py" in text.splitlines()[0]
    assert "-- example_notes: a table a later revision adds." in text
    assert "CREATE TABLE example_notes (" in text
    assert "COMMENT ON TABLE example_notes IS 'notes, 100% made up';" in text  # no driver %-escaping
    assert sorted(after) == list(after)  # oldest revision first, in file-name order


def test_a_revision_without_a_create_date_is_a_clear_error(tmp_path: Path) -> None:
    folder = _migrations_copy(tmp_path)
    head = max(known_revisions())
    new = f"{int(head) + 1:04d}"
    (folder / "versions" / f"{new}_example_notes.py").write_text(
        _NEW_REVISION.format(revision=new, down=head, create_date=""), encoding="utf-8"
    )
    with pytest.raises(ValueError, match=f"revision {new} .* has no 'Create Date"):
        supabase_sql.migration_files(str(folder))


def test_check_reports_a_hand_edit_and_write_removes_stale_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    supabase_sql.write(tmp_path)
    assert supabase_sql.main(["--check", str(tmp_path)]) == 0
    edited = sorted(tmp_path.glob("*.sql"))[-1]
    edited.write_text(edited.read_text(encoding="utf-8") + "DROP TABLE instagram_contacts;\n", encoding="utf-8")
    stale = tmp_path / "20200101000000_old_name.sql"
    stale.write_text("SELECT 1;\n", encoding="utf-8")
    assert supabase_sql.main(["--check", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "-DROP TABLE instagram_contacts;" in err
    assert "committed/20200101000000_old_name.sql" in err
    assert supabase_sql.main([str(tmp_path)]) == 0
    assert not stale.exists()
    assert supabase_sql.main(["--check", str(tmp_path)]) == 0
