"""`everreach seed`: load the default data set and the user's known handles; list what is loaded."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from everreach.catalog import service as catalog
from everreach.cli.app import JsonOption, app, console, fail, print_json, unit_of_work
from everreach.seed.defaults import seed_defaults
from everreach.seed.handles import parse_handles, upsert_handles

LIST_TYPES = ("selector", "skip_pattern", "spam_pattern", "known_handle", "template", "fit_signal")


@app.command("seed")
def seed(
    handles: Annotated[
        Path | None, typer.Option("--handles", help="CSV (username,display_name) or TOML [handles] file.")
    ] = None,
    list_: Annotated[bool, typer.Option("--list", help="Show what is loaded instead of loading.")] = False,
    kind: Annotated[str | None, typer.Argument(help=f"With --list: one of {', '.join(LIST_TYPES)}.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Load the default patterns, templates and fit signals (idempotent), plus known handles from a file."""
    if list_:
        _list(kind, as_json)
        return
    if kind is not None:
        fail("a TYPE argument goes with --list")
    parsed = parse_handles(handles) if handles else {}
    with unit_of_work() as session:
        report = seed_defaults(session)
        added_handles, updated_handles = upsert_handles(session, parsed)
    summary = {
        "added": report.added,
        "already_present": report.present,
        "known_handles": {"added": added_handles, "updated": updated_handles},
    }
    if as_json:
        print_json(summary)
        return
    total_added = sum(report.added.values())
    console.print(f"seeded: {total_added} default rows added, {sum(report.present.values())} already present")
    if handles:
        console.print(f"known handles from {handles}: {added_handles} added, {updated_handles} updated")


def _list(kind: str | None, as_json: bool) -> None:
    if kind is not None and kind not in LIST_TYPES:
        fail(f"unknown TYPE {kind!r}: choose one of {', '.join(LIST_TYPES)}")
    rows: list[dict[str, Any]] = []
    with unit_of_work() as session:
        if kind in (None, *LIST_TYPES[:4]):
            rows += [
                {"type": p.pattern_type, "key": p.pattern_key, "value": p.pattern_value, "active": p.is_active}
                for p in catalog.list_patterns(session, pattern_type=kind)
            ]
        if kind in (None, "template"):
            rows += [
                {
                    "type": "template",
                    "key": f"{t.lane}/{t.action_key}",
                    "value": t.action_text,
                    "stage": t.stage,
                    "active": t.is_active,
                }
                for t in catalog.list_templates(session)
            ]
        if kind in (None, "fit_signal"):
            rows += [
                {
                    "type": "fit_signal",
                    "key": f"{s.product}/{s.signal_key}",
                    "value": s.signal_description,
                    "offer": s.offer_template,
                    "active": s.is_active,
                }
                for s in catalog.list_fit_signals(session)
            ]
    if as_json:
        print_json(rows)
        return
    table = Table("type", "key", "value", "active")
    for row in rows:
        table.add_row(row["type"], row["key"], row["value"], "yes" if row["active"] else "no")
    console.print(table)
    console.print(f"{len(rows)} rows")
