"""supabase/migrations/ from the Alembic revisions: each revision's upgrade rendered as PostgreSQL SQL, one file each.

`python -m everreach.db.supabase_sql [FOLDER]` (or `make supabase-sql`) rewrites the folder (default
supabase/migrations); `--check` writes nothing and exits 1 with a diff when the folder is out of date.
A revision's file is named `<Create Date as YYYYMMDDHHMMSS>_<revision file name without its id>.sql`, the
version format Supabase's CLI records, so the files of existing revisions keep their names as revisions are added.
"""

from __future__ import annotations

import difflib
import io
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from everreach.db.migrate import alembic_config

if TYPE_CHECKING:
    from alembic.script import Script

DEFAULT_FOLDER = Path("supabase") / "migrations"
COMMAND = "python -m everreach.db.supabase_sql"
_CREATE_DATE = re.compile(r"^Create Date: (\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})", re.M)


@dataclass(frozen=True)
class MigrationFile:
    """One generated Supabase migration: its file name and text."""

    name: str
    text: str


def _version(script: Script) -> str:
    """The Supabase version of a revision: its Create Date, digits only."""
    found = _CREATE_DATE.search(script.longdoc or "")
    if found is None:
        raise ValueError(
            f"revision {script.revision} ({Path(script.path).name}) has no 'Create Date: YYYY-MM-DD HH:MM:SS' "
            "line in its docstring; add one to name its Supabase migration"
        )
    return "".join(found.groups())


def _slug(script: Script) -> str:
    """The revision file's name without its revision id, e.g. `contact_ranks` for 0006_contact_ranks.py."""
    stem = Path(script.path).stem
    return stem.removeprefix(f"{script.revision}_") or stem


def render(script: Script) -> str:
    """The SQL a revision's upgrade runs on PostgreSQL, as Alembic renders it offline."""
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    buffer = io.StringIO()
    context = MigrationContext.configure(
        dialect_name="postgresql",
        dialect_opts={"paramstyle": "named"},  # no %-doubling: the SQL is run as written, not through a driver
        opts={"as_sql": True, "output_buffer": buffer, "transactional_ddl": False},
    )
    with Operations.context(context):
        script.module.upgrade()
    return buffer.getvalue()


def _header(script: Script) -> str:
    """The generated-file notice, then the first paragraph of the revision's docstring."""
    source = f"src/everreach/db/migrations/versions/{Path(script.path).name}"
    summary = (script.longdoc or "").strip().split("\n\n")[0].splitlines()
    notice = f"Generated from {source} by `{COMMAND}`: do not edit; change the revision and regenerate."
    return "".join(f"-- {line.strip()}\n" for line in [notice, *summary]) + "\n"


def _version_record(script: Script) -> str:
    """Statements that record the revision in alembic_version, so `everreach db upgrade` later goes on from it."""
    return (
        "\nCREATE TABLE IF NOT EXISTS alembic_version (\n"
        "    version_num VARCHAR(32) NOT NULL,\n"
        "    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n"
        ");\n\n"
        "DELETE FROM alembic_version;\n\n"
        f"INSERT INTO alembic_version (version_num) VALUES ('{script.revision}');\n"
    )


def _tidy(sql: str) -> str:
    """The rendered SQL without trailing spaces (SQLAlchemy ends each column line with one)."""
    return "\n".join(line.rstrip() for line in sql.strip().splitlines()) + "\n"


def migration_files(script_location: str | None = None) -> list[MigrationFile]:
    """Every revision, oldest first, as the Supabase migration file it generates (from the shipped migrations,
    or the Alembic script folder named)."""
    from alembic.script import ScriptDirectory

    cfg = alembic_config()
    if script_location is not None:
        cfg.set_main_option("script_location", script_location)
    scripts = list(reversed(list(ScriptDirectory.from_config(cfg).walk_revisions())))
    files = [
        MigrationFile(f"{_version(s)}_{_slug(s)}.sql", _header(s) + _tidy(render(s)) + _version_record(s))
        for s in scripts
    ]
    names = [f.name for f in files]
    if names != sorted(set(names)):
        raise ValueError(f"Supabase migration names out of revision order or repeated: {', '.join(names)}")
    return files


def write(folder: Path, *, script_location: str | None = None) -> list[Path]:
    """Write every revision's file into `folder` and remove the .sql files no revision generates."""
    folder.mkdir(parents=True, exist_ok=True)
    files = migration_files(script_location)
    wanted = {f.name for f in files}
    for stale in folder.glob("*.sql"):
        if stale.name not in wanted:
            stale.unlink()
    paths = []
    for f in files:
        path = folder / f.name
        path.write_text(f.text, encoding="utf-8")
        paths.append(path)
    return paths


def diff_folders(committed: Path, generated: Path) -> str:
    """A unified diff from the committed .sql files to the generated ones; empty when they are the same."""
    names = sorted({p.name for p in committed.glob("*.sql")} | {p.name for p in generated.glob("*.sql")})
    chunks: list[str] = []
    for name in names:
        old, new = committed / name, generated / name
        old_lines = old.read_text(encoding="utf-8").splitlines(keepends=True) if old.exists() else []
        new_lines = new.read_text(encoding="utf-8").splitlines(keepends=True) if new.exists() else []
        chunks.extend(difflib.unified_diff(old_lines, new_lines, f"committed/{name}", f"generated/{name}"))
    return "".join(chunks)


def main(argv: list[str] | None = None) -> int:
    """Regenerate (or with --check, verify) the Supabase migrations folder."""
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    rest = [a for a in args if a != "--check"]
    if len(rest) > 1 or any(a.startswith("-") for a in rest):
        sys.stderr.write(f"usage: {COMMAND} [--check] [FOLDER]  (FOLDER defaults to {DEFAULT_FOLDER})\n")
        return 2
    folder = Path(rest[0]) if rest else DEFAULT_FOLDER
    if not folder.is_dir():
        sys.stderr.write(f"error: no folder {folder} (run from the repository root or name the folder)\n")
        return 1
    if not check:
        written = write(folder)
        sys.stdout.write(f"wrote {len(written)} migration files to {folder}\n")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        write(Path(tmp))
        diff = diff_folders(folder, Path(tmp))
    if diff:
        sys.stderr.write(f"{folder} is out of date with the Alembic revisions; run `{COMMAND}`:\n{diff}")
        return 1
    sys.stdout.write(f"{folder} matches the Alembic revisions\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
