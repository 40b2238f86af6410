"""SQLite -> PostgreSQL -> SQLite through the portable backup loses nothing; .db backups restore."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

from everreach.backup import backup_database, restore_database
from everreach.db.engine import make_engine
from everreach.db.migrate import upgrade
from everreach.db.models_derived import ContactRank
from tests.backup.awkward import dump, fill_awkward
from tests.conftest import ENGINES, pg_scratch_database

needs_pg = pytest.mark.skipif("postgresql" not in ENGINES, reason="PostgreSQL not in EVERREACH_TEST_ENGINES")


def _fresh_sqlite(path: Path) -> Engine:
    eng = make_engine(f"sqlite:///{path}")
    upgrade(eng)
    return eng


def _fts_ok(eng: Engine) -> int:
    with eng.begin() as conn:
        conn.execute(text("INSERT INTO instagram_messages_fts(instagram_messages_fts) VALUES ('integrity-check')"))
        return int(
            conn.execute(
                text("SELECT count(*) FROM instagram_messages_fts WHERE message_text MATCH '\"wörld\"'")
            ).scalar_one()
        )


@needs_pg
@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz"])
def test_sqlite_postgres_sqlite_round_trip_loses_nothing(tmp_path: Path, suffix: str) -> None:
    first = _fresh_sqlite(tmp_path / "first.db")
    fill_awkward(first)
    original = dump(first)
    assert all(original.values()), "every table holds rows"

    with pg_scratch_database("everreach_backup") as pg_url:
        pg = make_engine(pg_url)
        upgrade(pg)
        backup_database(first, tmp_path / f"one{suffix}")
        restored = restore_database(pg, tmp_path / f"one{suffix}")
        assert restored.rows == {name: len(rows) for name, rows in original.items()}
        assert dump(pg) == original
        backup_database(pg, tmp_path / f"two{suffix}")
        pg.dispose()

    last = _fresh_sqlite(tmp_path / "last.db")
    restore_database(last, tmp_path / f"two{suffix}")
    assert dump(last) == original
    assert _fts_ok(last) == _fts_ok(first) > 0
    assert _ranks(last) == _ranks(first) != []  # the derived table is filled again by the restore
    first.dispose()
    last.dispose()


def _ranks(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(*ContactRank.__table__.c).order_by(*ContactRank.__table__.c))]


def test_sqlite_online_backup_and_restore(tmp_path: Path) -> None:
    source = _fresh_sqlite(tmp_path / "source.db")
    fill_awkward(source)
    result = backup_database(source, tmp_path / "copy.db")
    assert result.format == "sqlite"
    with sqlite3.connect(tmp_path / "copy.db") as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    target = _fresh_sqlite(tmp_path / "target.db")
    restore_database(target, tmp_path / "copy.db")
    assert dump(target) == dump(source)
    assert _fts_ok(target) > 0
    source.dispose()
    target.dispose()


@needs_pg
def test_db_file_restores_into_postgres_and_postgres_backs_up_to_db(tmp_path: Path) -> None:
    source = _fresh_sqlite(tmp_path / "source.db")
    fill_awkward(source)
    backup_database(source, tmp_path / "copy.sqlite")
    with pg_scratch_database("everreach_backup") as pg_url:
        pg = make_engine(pg_url)
        upgrade(pg)
        restore_database(pg, tmp_path / "copy.sqlite")
        assert dump(pg) == dump(source)
        backup_database(pg, tmp_path / "from-pg.db")
        pg.dispose()
    again = make_engine(f"sqlite:///{tmp_path / 'from-pg.db'}")
    assert dump(again) == dump(source)
    source.dispose()
    again.dispose()


def test_force_replaces_existing_content(tmp_path: Path) -> None:
    source = _fresh_sqlite(tmp_path / "source.db")
    fill_awkward(source)
    backup_database(source, tmp_path / "b.jsonl")
    target = _fresh_sqlite(tmp_path / "target.db")
    fill_awkward(target)
    assert dump(target) != dump(source)
    restore_database(target, tmp_path / "b.jsonl", force=True)
    assert dump(target) == dump(source)
    source.dispose()
    target.dispose()
