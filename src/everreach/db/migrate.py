"""`db upgrade`: bring any database to the current schema, adopting a seed-built PostgreSQL database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import ProgrammingError as SAProgrammingError

from everreach.errors import DatabaseError

if TYPE_CHECKING:
    from alembic.config import Config

ADOPTED_REVISION = "0001"
#: The newest migration shipped (a test holds it equal to Alembic's head). Every command checks the database
#: against it; Alembic itself, slow to import, is only loaded when a database is not at this revision.
HEAD_REVISION = "0012"


@dataclass(frozen=True)
class UpgradeResult:
    """What `upgrade` did: where the database was, where it is, and whether it was adopted."""

    before: str | None
    after: str
    adopted: bool

    @property
    def changed(self) -> bool:
        """False when the database was already current."""
        return self.before != self.after


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic configuration pointing at the migrations shipped inside the package."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "everreach.db:migrations")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest migration this code knows, as Alembic sees it."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    """The migration the database is at, or None when it is not under migration control."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return str(revision) if revision is not None else None


def known_revisions() -> set[str]:
    """Every migration this code ships."""
    from alembic.script import ScriptDirectory

    return {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def _check_known(revision: str | None) -> None:
    if revision is None or revision == HEAD_REVISION:
        return
    if revision not in known_revisions():
        raise DatabaseError(
            f"the database is at migration {revision}, newer than this EverReach knows "
            f"(latest {HEAD_REVISION}); upgrade EverReach before using this database"
        )


def _adoptable(connection: Connection) -> bool:
    """True when the seed's tables exist without migration control (a database built from the seed SQL)."""
    from everreach.db.models import SEED_TABLES, Base  # only here: every command checks the revision, few adopt

    existing = set(inspect(connection).get_table_names())
    present = [t for t in SEED_TABLES if t in existing]
    if not present:
        return False
    missing = [t for t in SEED_TABLES if t not in existing]
    if missing:
        raise DatabaseError(
            f"the database has some of EverReach's tables but not {', '.join(missing)}; "
            "refusing to adopt a partial schema"
        )
    for table in SEED_TABLES:
        have = {c["name"] for c in inspect(connection).get_columns(table)}
        want = {c.name for c in Base.metadata.tables[table].columns}
        if want - have:
            raise DatabaseError(
                f"table {table} lacks column(s) {', '.join(sorted(want - have))}; cannot adopt this database"
            )
    return True


def upgrade(engine: Engine, revision: str = "head") -> UpgradeResult:
    """Migrate to `revision`; a database built by hand from the seed SQL is stamped, never rebuilt."""
    try:
        with engine.begin() as connection:
            before = current_revision(connection)
            if before == HEAD_REVISION and revision in ("head", HEAD_REVISION):
                return UpgradeResult(before=before, after=before, adopted=False)
            from alembic import command

            _check_known(before)
            adopted = before is None and _adoptable(connection)
            cfg = alembic_config(connection)
            if adopted:
                command.stamp(cfg, ADOPTED_REVISION)
            command.upgrade(cfg, revision)
            after = current_revision(connection)
    except (OperationalError, SAProgrammingError) as exc:
        raise DatabaseError(f"migration failed: {first_line(exc)}") from exc
    assert after is not None
    return UpgradeResult(before=before, after=after, adopted=adopted)


def require_current(connection: Connection) -> None:
    """Refuse to work on a database that is not migrated, or is newer than the code."""
    revision = current_revision(connection)
    if revision == HEAD_REVISION:
        return
    _check_known(revision)
    raise DatabaseError(
        f"the database is at migration {revision or 'none'}, not {HEAD_REVISION}: run `everreach db upgrade` first"
    )


def first_line(exc: BaseException) -> str:
    """The first meaningful line of a driver error, for one-line messages."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
