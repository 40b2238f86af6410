"""Raw SQL files shipped with the package (schema DDL for each engine)."""

from __future__ import annotations

from importlib import resources


def read_sql(name: str) -> str:
    """The text of a SQL file in this folder."""
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def statements(sql: str) -> list[str]:
    """Split a DDL script into statements (no semicolons inside literals in our files)."""
    lines = [line for line in sql.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
