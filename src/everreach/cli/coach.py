"""`everreach coach USER`: feedback on your own messages in one thread (a thin layer over relationship/coach.py)."""

from __future__ import annotations

from typing import Annotated

import typer

from everreach.cli import humanise as hu
from everreach.cli.app import JsonOption, app, console, local_zone, print_json, unit_of_work

User = Annotated[str, typer.Argument(help="Instagram username (with or without @).")]


@app.command("coach")
def coach(username: User, as_json: JsonOption = False) -> None:
    """Feedback on your own messages in a thread, each point with the messages it is about."""
    from everreach.relationship.coach import coach_notes

    with unit_of_work() as session:
        report = coach_notes(session, username=username)
    if as_json:
        print_json(report.model_dump(mode="json"))
        return
    who = hu.person(report.username, report.display_name)
    if not report.notes:
        console.line(f"{who}: nothing to point out in your {hu.plural(report.your_messages, 'message')} to them")
        return
    console.line(f"{who}: {hu.plural(len(report.notes), 'point')} on your {hu.plural(report.your_messages, 'message')}")
    tz = local_zone()
    for n, note in enumerate(report.notes, 1):
        console.line(f"{n}. {note.title}: {note.sentence}")
        for m in note.messages:
            console.line(f"   {hu.calendar_date(m.sent_at, tz=tz)}, {'you' if m.outbound else 'they'}: “{m.excerpt}”")
