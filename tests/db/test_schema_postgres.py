"""On PostgreSQL the migrated schema matches the seed's DDL exactly, and the Supabase files build the same schema."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from everreach.db.engine import make_engine
from everreach.db.migrate import alembic_config, head_revision, upgrade
from everreach.db.models import SEED_TABLES
from tests.conftest import ENGINES, pg_scratch_database
from tests.db.catalog import describe

pytestmark = pytest.mark.skipif("postgresql" not in ENGINES, reason="PostgreSQL not selected")

SPEC = Path(__file__).resolve().parents[3] / "shared" / "spec" / "seed-schema-reference.md"
SUPABASE = Path(__file__).resolve().parents[2] / "supabase" / "migrations"


def statements(sql: str) -> list[str]:
    """A DDL script's statements without comments, blank lines or trailing spaces (no semicolons in literals)."""
    lines = [line.rstrip() for line in sql.splitlines() if line.strip() and not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def revision_0001_ddl() -> str:
    """The PostgreSQL DDL migration 0001 runs."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config()).get_revision("0001")
    assert script is not None
    return str(script.module.POSTGRESQL)


def seed_ddl() -> str:
    """The CREATE statements of the spec, straight from the spec file when it is beside the repo."""
    if SPEC.exists():
        blocks = re.findall(r"```sql\n(.*?)```", SPEC.read_text(encoding="utf-8"), re.S)
        return "\n".join(b for b in blocks if "CREATE TABLE" in b)
    return revision_0001_ddl()


def _apply(engine: Engine, sql: str) -> None:
    with engine.begin() as conn:
        for statement in statements(sql):
            conn.exec_driver_sql(statement)


def test_shipped_ddl_is_the_specs_ddl() -> None:
    if not SPEC.exists():
        pytest.skip("spec not beside the repo")
    assert statements(revision_0001_ddl()) == statements(seed_ddl())


def test_migrated_schema_matches_seed_ddl_exactly() -> None:
    with pg_scratch_database() as by_hand_url, pg_scratch_database() as migrated_url:
        by_hand, migrated = make_engine(by_hand_url), make_engine(migrated_url)
        _apply(by_hand, seed_ddl())
        upgrade(migrated)
        with by_hand.connect() as a, migrated.connect() as b:
            expected, actual = describe(a, SEED_TABLES), describe(b, SEED_TABLES)
        for table in SEED_TABLES:
            exp_idx = dict(expected[table]["indexes"])
            act_idx = dict(actual[table]["indexes"])
            # Our migrations may add indexes (e.g. the trigram search index); every seed index stays as is.
            assert {k: act_idx.get(k) for k in exp_idx} == exp_idx, table
            assert actual[table]["columns"] == expected[table]["columns"], table
            assert actual[table]["constraints"] == expected[table]["constraints"], table
        assert set(dict(actual["instagram_messages"]["indexes"])) - set(
            dict(expected["instagram_messages"]["indexes"])
        ) == {"idx_messages_text_trgm", "idx_messages_sent_id"}
        by_hand.dispose()
        migrated.dispose()


def test_supabase_migrations_build_the_same_schema_as_alembic() -> None:
    files = sorted(SUPABASE.glob("*.sql"))
    assert files, "supabase/migrations is empty"
    with pg_scratch_database() as supa_url, pg_scratch_database() as migrated_url:
        supa, migrated = make_engine(supa_url), make_engine(migrated_url)
        with supa.begin() as conn:
            for f in files:
                conn.exec_driver_sql(f.read_text(encoding="utf-8"))
        upgrade(migrated)
        with supa.connect() as a, migrated.connect() as b:
            assert describe(a) == describe(b)
        supa.dispose()
        migrated.dispose()


def test_adopts_a_database_built_from_the_seed_sql_without_losing_rows(cli_runner_pg) -> None:  # type: ignore[no-untyped-def]
    with pg_scratch_database() as url:
        eng = make_engine(url)
        _apply(eng, seed_ddl())
        with eng.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO instagram_contacts (instagram_username, display_name, relationship_score, tags) "
                    "VALUES ('saraheashley', 'Sarah Ashley', 72, ARRAY['vip'])"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO instagram_messages (contact_id, message_text, is_outbound, sent_at) "
                    "SELECT id, 'hey there', false, '2024-01-02T03:04:05Z' FROM instagram_contacts"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO next_best_actions (lane, stage, action_key, action_text) "
                    "VALUES ('friendship', 'any', 'check_in', 'my own wording')"
                )
            )
            before = {t: conn.execute(text(f"SELECT * FROM {t} ORDER BY 1")).all() for t in SEED_TABLES}

        first = cli_runner_pg(url, "db", "upgrade")
        assert first.exit_code == 0, first.output
        assert "adopted" in first.output
        again = cli_runner_pg(url, "db", "upgrade")
        assert again.exit_code == 0
        assert "up to date" in again.output
        seeded = cli_runner_pg(url, "seed")
        assert seeded.exit_code == 0, seeded.output

        with eng.connect() as conn:
            after = {t: conn.execute(text(f"SELECT * FROM {t} ORDER BY 1")).all() for t in SEED_TABLES}
            for table, rows in before.items():
                kept = [tuple(r) for r in after[table]]
                assert all(tuple(r) in kept for r in rows), table
            assert conn.scalar(text("SELECT action_text FROM next_best_actions WHERE action_key='check_in'")) == (
                "my own wording"
            )
            assert conn.scalar(text("SELECT count(*) FROM next_best_actions")) == 20
            assert conn.scalar(text("SELECT count(*) FROM fit_signals")) == 13
            hits = conn.scalar(text("SELECT count(*) FROM instagram_messages WHERE message_text ILIKE '%there%'"))
            assert hits == 1
            ranked = conn.execute(text("SELECT minus_score, is_spam FROM contact_ranks")).all()
            assert [tuple(r) for r in ranked] == [(-72, False)]  # the adopted contacts are ranked
        eng.dispose()


def test_db_upgrade_goes_on_from_a_database_built_from_the_supabase_files(cli_runner_pg) -> None:  # type: ignore[no-untyped-def]
    files = sorted(SUPABASE.glob("*.sql"))
    with pg_scratch_database() as url:
        eng = make_engine(url)
        with eng.begin() as conn:
            for f in files[:-1]:  # one revision behind, as a user who applied last month's files
                conn.exec_driver_sql(f.read_text(encoding="utf-8"))
        first = cli_runner_pg(url, "db", "upgrade")
        assert first.exit_code == 0, first.output
        assert "adopted" not in first.output
        with eng.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision()
        again = cli_runner_pg(url, "db", "upgrade")
        assert again.exit_code == 0, again.output
        assert "up to date" in again.output
        eng.dispose()
