"""Migrations on both engines: models and migrations agree, upgrade is idempotent, errors are one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from everreach.db.engine import make_engine
from everreach.db.migrate import HEAD_REVISION, head_revision, upgrade
from everreach.db.models import Base

# Objects the models do not describe on purpose: the search indexes live only in migrations.
IGNORED_TABLES = {"alembic_version", "instagram_messages_fts", "instagram_contacts_fts"}
IGNORED_INDEXES = {
    "idx_messages_text_trgm",
    "idx_messages_search_scan",
    "idx_contacts_username_trgm",
    "idx_contacts_display_name_trgm",
}


def _include(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    if type_ == "table" and name is not None and any(name.startswith(t) for t in IGNORED_TABLES):
        return False
    return not (type_ == "index" and name in IGNORED_INDEXES)


def test_models_match_the_migrated_schema(engine: Engine) -> None:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "compare_server_default": False,
                "include_object": _include,
            },
        )
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def test_upgrade_twice_is_a_no_op(engine: Engine) -> None:
    result = upgrade(engine)
    assert not result.changed
    assert result.after == head_revision()
    assert "instagram_contacts" in inspect(engine).get_table_names()


def test_search_index_follows_inserts_updates_and_deletes(engine: Engine, engine_name: str) -> None:
    if engine_name != "sqlite":
        return
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO instagram_contacts (id, instagram_username) VALUES ('c1', 'ann')"))
        conn.execute(
            text(
                "INSERT INTO instagram_messages (id, contact_id, message_text, is_outbound) "
                "VALUES ('m1', 'c1', 'Building an AI newsletter', 0)"
            )
        )
        match = "SELECT count(*) FROM instagram_messages_fts WHERE instagram_messages_fts MATCH :q"
        assert conn.scalar(text(match), {"q": '"newsletter"'}) == 1
        conn.execute(text("UPDATE instagram_messages SET message_text = 'podcast plans' WHERE id = 'm1'"))
        assert conn.scalar(text(match), {"q": '"newsletter"'}) == 0
        assert conn.scalar(text(match), {"q": '"podcast"'}) == 1
        conn.execute(text("DELETE FROM instagram_contacts WHERE id = 'c1'"))
        assert conn.scalar(text(match), {"q": '"podcast"'}) == 0


def _everreach(*args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("everreach")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=60, check=False)


def _assert_one_line_error(proc: subprocess.CompletedProcess[str], needle: str) -> None:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    assert needle in lines[0]


def test_bad_url_is_one_clear_line() -> None:
    _assert_one_line_error(_everreach("--db", "not a url", "status"), "invalid database URL")


def test_unreachable_server_is_one_clear_line() -> None:
    proc = _everreach("--db", "postgresql://postgres@127.0.0.1:1/nothing", "db", "upgrade")
    _assert_one_line_error(proc, "127.0.0.1")


def test_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'future.db'}"
    eng = make_engine(url)
    upgrade(eng)
    with eng.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    eng.dispose()
    for args in (("status",), ("db", "upgrade")):
        _assert_one_line_error(_everreach("--db", url, *args), "newer than this EverReach")


def test_errors_through_the_cli_runner(cli_runner_pg) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from everreach.cli import app

    result = CliRunner().invoke(app, ["--db", "mysql://x/y", "status"])
    assert result.exit_code == 1
    assert "unsupported database 'mysql'" in result.stderr
    unreachable = cli_runner_pg("postgresql://postgres@127.0.0.1:1/nothing", "status")
    assert unreachable.exit_code == 1
    assert unreachable.stderr.startswith("error: cannot open database")


def test_head_revision_constant_is_alembics_head() -> None:
    assert head_revision() == HEAD_REVISION
