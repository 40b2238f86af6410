"""`everreach status`: which database is in use and what it holds, in the words a person uses."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import QueryableAttribute

from everreach.cli import humanise as hu
from everreach.cli.app import JsonOption, app, console, engine, local_zone, print_json, safe_url
from everreach.db import migrate
from everreach.db.models import Base, Contact, Conversation, Message, OutreachItem
from everreach.db.models_derived import RecomputeMark


def _grouped(conn: Connection, column: QueryableAttribute[Any]) -> dict[Any, int]:
    """How many rows hold each value of `column`."""
    return {row[0]: row[1] for row in conn.execute(select(column, func.count()).group_by(column))}


def _summary(conn: Connection) -> dict[str, Any]:
    """Contacts by stage, messages each way, conversations, queue by status, last messages added, last score."""
    stages = _grouped(conn, Contact.relationship_stage)
    directions = _grouped(conn, Message.is_outbound)
    queue = _grouped(conn, OutreachItem.status)
    return {
        "contacts": sum(stages.values()),
        "contacts_by_stage": {str(k or "none"): v for k, v in sorted(stages.items(), key=lambda kv: -kv[1])},
        "messages": sum(directions.values()),
        "messages_sent": directions.get(True, 0),
        "messages_received": directions.get(False, 0),
        "conversations": conn.execute(select(func.count()).select_from(Conversation)).scalar_one(),
        "queue": {str(k or "none"): v for k, v in queue.items()},
        "last_message_added_at": conn.execute(select(func.max(Message.created_at))).scalar_one(),
        "last_scored_at": conn.execute(select(func.max(RecomputeMark.computed_at))).scalar_one(),
    }


def _table_counts(conn: Connection) -> dict[str, int]:
    """Rows in every table (for `--json`, where scripts may want the internals)."""
    return {
        name: conn.execute(select(func.count()).select_from(table)).scalar_one()
        for name, table in Base.metadata.tables.items()
    }


@app.command("status")
def status(as_json: JsonOption = False) -> None:
    """Show the database in use and what it holds: contacts, messages, queue, last import and score."""
    eng = engine()
    with eng.connect() as conn:
        summary = _summary(conn)
        revision = migrate.current_revision(conn)
        tables = (
            {
                name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for name, t in Base.metadata.tables.items()
            }
            if as_json
            else {}
        )
    if as_json:
        print_json({"database": safe_url(eng), "revision": revision, "summary": summary, "tables": tables})
        return
    tz = local_zone()
    console.line(f"EverReach is ready: {safe_url(eng)} (schema version {revision})")
    by_stage = ", ".join(f"{v:,} {hu.words(k)}" for k, v in summary["contacts_by_stage"].items())
    console.line(f"contacts:       {summary['contacts']:,}" + (f" ({by_stage})" if by_stage else ""))
    console.line(
        f"messages:       {summary['messages']:,} ({summary['messages_sent']:,} sent by you, "
        f"{summary['messages_received']:,} received) in {hu.plural(summary['conversations'], 'conversation')}"
    )
    queue = ", ".join(f"{v:,} {hu.words(k)}" for k, v in summary["queue"].items())
    console.line(f"outreach queue: {queue or 'empty'}")
    console.line(f"last import:    {hu.ago(summary['last_message_added_at'], tz=tz, never='nothing imported yet')}")
    console.line(f"last score:     {hu.ago(summary['last_scored_at'], tz=tz, never='never (run everreach score)')}")
