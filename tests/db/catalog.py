"""Read a PostgreSQL schema's shape from the catalogs, in a form two databases can be compared by."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text


def describe(conn: Connection, tables: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Columns, constraints, indexes and triggers of the public schema's tables (all, or the ones named; for all,
    the PL/pgSQL functions as well)."""
    names = tables or tuple(
        r[0]
        for r in conn.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version' ORDER BY 1"
            )
        )
    )
    shape: dict[str, Any] = {}
    for table in names:
        columns = conn.execute(
            text(
                "SELECT column_name, data_type, udt_name, column_default, is_nullable, ordinal_position "
                "FROM information_schema.columns WHERE table_schema = 'public' AND table_name = :t "
                "ORDER BY ordinal_position"
            ),
            {"t": table},
        ).all()
        constraints = conn.execute(
            text(
                "SELECT conname, contype, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                "JOIN pg_class t ON t.oid = c.conrelid WHERE t.relname = :t ORDER BY conname"
            ),
            {"t": table},
        ).all()
        indexes = conn.execute(
            text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = :t ORDER BY 1"
            ),
            {"t": table},
        ).all()
        triggers = conn.execute(
            text(
                "SELECT tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t "
                "WHERE t.tgrelid = CAST(:t AS regclass) AND NOT t.tgisinternal ORDER BY 1"
            ),
            {"t": f"public.{table}"},
        ).all()
        shape[table] = {
            "columns": [tuple(c) for c in columns],
            "constraints": [tuple(c) for c in constraints],
            "indexes": [tuple(i) for i in indexes],
            "triggers": [tuple(t) for t in triggers],
        }
    if tables is None:  # the trigger functions too (PL/pgSQL ones: pg_trgm's C functions are the extension's)
        functions = conn.execute(
            text(
                "SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang "
                "WHERE p.pronamespace = CAST('public' AS regnamespace) AND l.lanname = 'plpgsql' ORDER BY 1"
            )
        ).all()
        shape["(functions)"] = [tuple(f) for f in functions]
    return shape
