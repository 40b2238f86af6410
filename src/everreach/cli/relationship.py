"""Relationship commands: score, health, next, attention, tasks, search, contacts, fit-signals, and recording."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import typer
from pydantic import BaseModel
from rich.table import Table

from everreach.cli.app import JsonOption, app, console, print_json, unit_of_work
from everreach.messages.search import search_messages
from everreach.relationship import queries, service
from everreach.relationship.schemas import Health

User = Annotated[str, typer.Argument(help="Instagram username (with or without @).")]
Note = Annotated[str, typer.Argument(help="A short note.")]


def _table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = Table(title=title)
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)


def _dump(items: Sequence[BaseModel] | BaseModel) -> Any:
    if isinstance(items, BaseModel):
        return items.model_dump(mode="json")
    return [i.model_dump(mode="json") for i in items]


def _show_health(h: Health, as_json: bool) -> None:
    if as_json:
        print_json(_dump(h))
        return
    console.print(
        f"[bold]{h.username}[/] ({h.display_name or '-'}): score {h.score}, stage {h.stage}, lane {h.lane}",
        highlight=False,
    )
    days = "never" if h.days_since_touch is None else f"{h.days_since_touch} days ago"
    console.print(f"last meaningful touch: {days}; lane: {h.lane_reason}", highlight=False)
    values, reasons = h.components.model_dump(), h.reasons.model_dump()
    _table("components", ("component", "value", "why"), [(k, values[k], reasons[k]) for k in values])


@app.command("score")
def score(
    rescan: Annotated[bool, typer.Option("--rescan", help="Re-read every message (fit signals, scores).")] = False,
    as_json: JsonOption = False,
) -> None:
    """Recompute every contact's components, score, stage and fit signals."""
    with unit_of_work() as session:
        report = service.recompute_all(session, rescan=rescan)
    if as_json:
        print_json(_dump(report))
    else:
        read = (
            "every message read"
            if report.reread_contacts is None
            else f"messages read again for {report.reread_contacts} new or changed contacts"
        )
        console.print(
            f"recomputed {report.contacts} contacts ({read}): {report.updated} changed, {report.stage_changes} "
            f"stage changes, {report.new_fit_matches} new fit-signal matches"
        )


@app.command("health")
def health(username: User, as_json: JsonOption = False) -> None:
    """Show a contact's score, stage, lane and components with reasons."""
    with unit_of_work() as session:
        h = queries.health(session, username=username)
    _show_health(h, as_json)


@app.command("next")
def next_(username: User, as_json: JsonOption = False) -> None:
    """Suggest up to three next messages for a contact, from the templates of their lane."""
    with unit_of_work() as session:
        result = queries.next_best_actions(session, username=username)
    if as_json:
        print_json(_dump(result))
        return
    console.print(f"{result.username}: lane {result.lane} ({result.lane_reason}), stage {result.stage}")
    if not result.actions:
        console.print("no template fits right now (used recently, or the context card cannot fill the blank)")
    for i, a in enumerate(result.actions, 1):
        console.print(f"{i}. [{a.lane}/{a.action_key}] {a.text}\n   why: {a.reason}", highlight=False, markup=False)


@app.command("attention")
def attention(
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 10, as_json: JsonOption = False
) -> None:
    """Contacts with no meaningful touch in 30 days (or never), highest score first."""
    with unit_of_work() as session:
        rows = queries.attention(session, limit=limit)
    if as_json:
        print_json(_dump(rows))
        return
    _table(
        "needs attention",
        ("username", "name", "score", "last touch"),
        [(r.username, r.display_name, r.score, r.last_meaningful_touch) for r in rows],
    )


@app.command("tasks")
def tasks(as_json: JsonOption = False) -> None:
    """This week's outreach buckets: micro-wins, curiosity, rewarm, offers."""
    with unit_of_work() as session:
        result = queries.weekly_tasks(session)
    if as_json:
        print_json(_dump(result))
        return
    for bucket, names in result.model_dump().items():
        console.print(f"[bold]{bucket}[/] ({len(names)}): {', '.join(names) or '-'}", highlight=False)


@app.command("search")
def search(
    query: Annotated[str, typer.Argument(help="Text to find (substring, any case).")],
    limit: Annotated[int, typer.Option("--limit", min=1, max=500)] = 20,
    as_json: JsonOption = False,
) -> None:
    """Find messages containing the text, newest first."""
    with unit_of_work() as session:
        hits = search_messages(session, query=query, limit=limit)
    if as_json:
        print_json(_dump(hits))
        return
    _table(
        f"messages containing {query!r}",
        ("when", "username", "dir", "text"),
        [(h.sent_at, h.username, "out" if h.is_outbound else "in", h.text) for h in hits],
    )


@app.command("contacts")
def contacts(
    stage: Annotated[str | None, typer.Option("--stage")] = None,
    lane: Annotated[str | None, typer.Option("--lane")] = None,
    min_score: Annotated[int | None, typer.Option("--min-score")] = None,
    max_score: Annotated[int | None, typer.Option("--max-score")] = None,
    tag: Annotated[str | None, typer.Option("--tag")] = None,
    sort: Annotated[str, typer.Option("--sort", help="score, username, recent or stale.")] = "score",
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 50,
    offset: Annotated[int, typer.Option("--offset", min=0)] = 0,
    as_json: JsonOption = False,
) -> None:
    """List contacts, filtered by stage, lane, score range or tag."""
    with unit_of_work() as session:
        rows = queries.list_contacts(
            session, stage=stage, lane=lane, min_score=min_score, max_score=max_score, tag=tag, sort=sort,
            limit=limit, offset=offset,
        )  # fmt: skip
    if as_json:
        print_json(_dump(rows))
        return
    _table(
        "contacts",
        ("username", "name", "score", "stage", "lane", "last touch"),
        [(r.username, r.display_name, r.score, r.stage, r.lane, r.last_meaningful_touch) for r in rows],
    )


def fit_signals(as_json: JsonOption = False) -> None:
    """Active fit signals with how many messages and contacts matched each."""
    with unit_of_work() as session:
        rows = queries.fit_signal_summary(session)
    if as_json:
        print_json(_dump(rows))
        return
    _table(
        "fit signals",
        ("product", "signal", "description", "matches", "contacts"),
        [(r.product, r.signal_key, r.description, r.matches, r.contacts) for r in rows],
    )


@app.command("fit-matches")
def fit_matches(username: User, as_json: JsonOption = False) -> None:
    """A contact's fit-signal matches, each with its message."""
    with unit_of_work() as session:
        rows = queries.fit_matches(session, username=username)
    if as_json:
        print_json(_dump(rows))
        return
    _table(
        f"fit signals of {username}",
        ("when", "signal", "phrase", "message"),
        [(r.sent_at, f"{r.product}/{r.signal_key}", r.matched_phrase, r.message_text) for r in rows],
    )


@app.command("history")
def history(username: User, as_json: JsonOption = False) -> None:
    """A contact's stage changes with reasons, oldest first."""
    with unit_of_work() as session:
        rows = queries.stage_history(session, username=username)
    if as_json:
        print_json(_dump(rows))
        return
    _table(
        f"stage history of {username}",
        ("when", "from", "to", "source", "reason"),
        [(r.changed_at, r.from_stage, r.to_stage, r.source, r.reason) for r in rows],
    )


@app.command("context")
def context(
    username: User,
    building: Annotated[str | None, typer.Option("--building", help="What they're building.")] = None,
    friction: Annotated[str | None, typer.Option("--friction", help="Their current friction.")] = None,
    win: Annotated[str | None, typer.Option("--win", help="Their definition of a win.")] = None,
    constraints: Annotated[str | None, typer.Option("--constraints")] = None,
    style: Annotated[str | None, typer.Option("--style", help="Preferred contact style.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Fill the context card (an empty value clears a field)."""
    given = {
        "what_theyre_building": building,
        "current_friction": friction,
        "their_definition_of_win": win,
        "constraints": constraints,
        "preferred_contact_style": style,
    }
    fields: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
    with unit_of_work() as session:
        h = service.update_context_card(session, username=username, **fields)
    _show_health(h, as_json)


@app.command("value")
def value(
    username: User,
    kind: Annotated[str, typer.Argument(help="link, intro, template, feedback or resource.")],
    note: Note,
    as_json: JsonOption = False,
) -> None:
    """Log value you delivered."""
    with unit_of_work() as session:
        h = service.record_value(session, username=username, kind=kind, note=note)
    _show_health(h, as_json)


@app.command("promise")
def promise(username: User, note: Note, as_json: JsonOption = False) -> None:
    """Log a promise you made."""
    with unit_of_work() as session:
        h = service.record_promise(session, username=username, note=note)
    _show_health(h, as_json)


@app.command("promise-kept")
def promise_kept(username: User, note: Note, as_json: JsonOption = False) -> None:
    """Log a promise you kept."""
    with unit_of_work() as session:
        h = service.record_promise_kept(session, username=username, note=note)
    _show_health(h, as_json)


@app.command("trust")
def trust(
    username: User,
    kind: Annotated[str, typer.Argument(help="asks_opinion, refers_others or shares_updates.")],
    note: Note,
    as_json: JsonOption = False,
) -> None:
    """Log a trust signal."""
    with unit_of_work() as session:
        h = service.record_trust_signal(session, username=username, kind=kind, note=note)
    _show_health(h, as_json)


@app.command("consent")
def consent(
    username: User,
    kind: Annotated[str, typer.Argument(help="opt_in, asked_for_help or offer_yes.")],
    note: Annotated[str, typer.Argument(help="A short note.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Log a consent event (a yes to an offer moves them to permissioned_offer)."""
    with unit_of_work() as session:
        h = service.record_consent(session, username=username, kind=kind, note=note)
    _show_health(h, as_json)


@app.command("purchase")
def purchase(
    username: User,
    product: Annotated[str, typer.Argument(help="What they bought.")],
    note: Annotated[str, typer.Option("--note")] = "",
    as_json: JsonOption = False,
) -> None:
    """Log a purchase (moves them to post_win)."""
    with unit_of_work() as session:
        h = service.record_purchase(session, username=username, product=product, note=note)
    _show_health(h, as_json)


@app.command("stage")
def stage(
    username: User,
    new_stage: Annotated[str, typer.Argument(metavar="STAGE", help="Any relationship stage.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the history).")] = "set by hand",
    as_json: JsonOption = False,
) -> None:
    """Set a contact's stage by hand (recorded in the history as yours)."""
    with unit_of_work() as session:
        h = service.set_stage(session, username=username, stage=new_stage, reason=reason)
    _show_health(h, as_json)
