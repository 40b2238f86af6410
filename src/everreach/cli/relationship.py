"""Relationship reads: score, health, next, attention, tasks, search, contacts, history and fit signals."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer

from everreach.cli import humanise as hu
from everreach.cli.app import JsonOption, app, console, engine, err_console, local_zone, print_json, unit_of_work
from everreach.cli.output import table
from everreach.contacts.usernames import normalise_username

if TYPE_CHECKING:
    from pydantic import BaseModel

    from everreach.relationship.schemas import Health

User = Annotated[str, typer.Argument(help="Instagram username (with or without @).")]

#: The weekly buckets as a person reads them, in the order shown.
BUCKETS = {
    "micro_wins": "Micro-wins (deliver something small)",
    "curiosity": "Curiosity (ask about what they are building)",
    "rewarm": "Rewarm (say hello again)",
    "offers": "Offers (they said yes to hearing one)",
}
_DAYS_AGO = re.compile(r"\d+(?:\.\d+)? days ago")


def dump(items: Sequence[BaseModel] | BaseModel) -> Any:
    """Pydantic models as JSON-ready data."""
    from pydantic import BaseModel

    if isinstance(items, BaseModel):
        return items.model_dump(mode="json")
    return [i.model_dump(mode="json") for i in items]


def show_health(h: Health, as_json: bool) -> None:
    """A contact's health: one summary line, the last touch, and each component with its reason."""
    if as_json:
        print_json(dump(h))
        return
    who = hu.person(h.username, h.display_name)
    console.line(f"{who}: score {h.score} of 100, stage {hu.words(h.stage)}, lane {hu.words(h.lane)}")
    touched = hu.days_ago(h.days_since_touch)
    if h.last_meaningful_touch is not None and (h.days_since_touch or 0) >= 30:
        touched += f" ({hu.calendar_date(h.last_meaningful_touch, tz=local_zone())})"
    console.line(f"last meaningful touch: {touched}; lane {hu.words(h.lane)} because {hu.tidy_sentence(h.lane_reason)}")
    values, reasons = h.components.model_dump(), h.reasons.model_dump()
    rows = []
    for key, value in values.items():
        why = hu.tidy_sentence(reasons[key])
        if key == "recency":  # the same whole-day figure as the line above, never 1160 beside 1161.0
            why = _DAYS_AGO.sub(hu.days_ago(h.days_since_touch), why)
        rows.append((hu.words(key), value, why))
    table("Score components", ("component", "value", "why"), rows, right=("value",))
    rhythm = h.cadence
    console.line(
        f"cadence: {hu.tidy_sentence(rhythm.reason)}"
        + ("; going cold" if rhythm.going_cold and "going cold" not in rhythm.reason else "")
    )


@app.command("score")
def score(
    rescan: Annotated[
        bool, typer.Option("--rescan", help="Match every inbound message against the fit signals again.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Recompute every contact's score, components, stage, lane and next planned touch from messages and records."""
    from everreach.messages.featurestore import needs_reading
    from everreach.relationship import service

    with unit_of_work(write=True) as session:  # alone among writers that read first (see db.engine.transaction)
        report = service.recompute_all(session, rescan=rescan)
        unread = needs_reading(session)
    if as_json:
        print_json(dump(report))
        return
    console.line(
        f"recomputed {hu.plural(report.contacts, 'contact')} "
        f"({hu.plural(report.assessed, 'contact')} read from their messages and records): {report.updated:,} changed, "
        f"{hu.plural(report.stage_changes, 'stage change')}, "
        f"{hu.plural(report.new_fit_matches, 'new fit-signal match')}"
    )
    if unread:
        err_console.line(
            "Some messages were read by an older version (or not at all): run `everreach features rebuild --stale`, "
            "then `everreach score` again, so scores use today's reading."
        )


@app.command("health")
def health(username: User, as_json: JsonOption = False) -> None:
    """Show a contact's score, stage, lane and components with reasons."""
    from everreach.relationship import queries

    with unit_of_work() as session:
        h = queries.health(session, username=username)
    show_health(h, as_json)


@app.command("next")
def next_(username: User, as_json: JsonOption = False) -> None:
    """Suggest up to three next messages for a contact: open loops first, then templates of their lane."""
    from everreach.cli.people import labels
    from everreach.relationship import queries

    with unit_of_work() as session:
        result = queries.next_best_actions(session, username=username)
        who = labels(session, [result.username]).get(result.username, hu.person(result.username))
    if as_json:
        print_json(dump(result))
        return
    console.line(
        f"{who}: lane {hu.words(result.lane)} ({hu.tidy_sentence(result.lane_reason)}), stage {hu.words(result.stage)}"
    )
    if result.waiting:
        console.line("a message to them is already waiting to be sent: nothing else until it goes")
    elif not result.actions:
        console.line("no template fits right now (used recently, or the context card cannot fill the blank)")
    for i, a in enumerate(result.actions, 1):
        console.line(f"{i}. {a.text}")
        console.line(f"   template: {hu.words(a.action_key)} ({hu.words(a.lane)}); why: {hu.tidy_sentence(a.reason)}")


@app.command("attention")
def attention(
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 10, as_json: JsonOption = False
) -> None:
    """Who to get back to: the overdue first (most days overdue first), then the next planned touches, with why."""
    from everreach.relationship import queries

    with unit_of_work() as session:
        rows = queries.attention(session, limit=limit)
    if as_json:
        print_json(dump(rows))
        return
    tz = local_zone()
    overdue = sum(1 for r in rows if r.overdue_days > 0)
    table(
        f"Needs attention: {hu.plural(overdue, 'contact')} overdue" + (f", {len(rows) - overdue} coming up" if
                                                                      len(rows) > overdue else ""),
        ("contact", "score", "next touch", "why"),
        [(hu.person(r.username, r.display_name), r.score, hu.calendar_date(r.next_planned_touch, tz=tz),
          hu.tidy_sentence(r.reason)) for r in rows],
        right=("score",),
    )  # fmt: skip


@app.command("tasks")
def tasks(as_json: JsonOption = False) -> None:
    """This week's outreach buckets: micro-wins, curiosity, rewarm, offers."""
    from everreach.relationship.tasks import weekly_tasks

    with engine().connect() as conn:  # Core only: no ORM model, schema or settings to load for this read
        buckets = weekly_tasks(conn)
    if as_json:
        print_json(buckets)
        return
    from everreach.cli.people import labels

    with unit_of_work() as session:
        names = labels(session, [u for usernames in buckets.values() for u in usernames])
    for key, title in BUCKETS.items():
        usernames = buckets[key]
        console.line(f"{title}: {hu.plural(len(usernames), 'contact') if usernames else 'nobody this week'}")
        for username in usernames:
            console.line(f"  {names.get(username, hu.person(username))}")


@app.command("search")
def search(
    query: Annotated[str, typer.Argument(help="Text to find (substring, any case).")],
    limit: Annotated[int, typer.Option("--limit", min=1, max=500)] = 20,
    as_json: JsonOption = False,
) -> None:
    """Find messages containing the text, newest first."""
    from everreach.cli.people import labels
    from everreach.messages.search import search_messages

    with unit_of_work() as session:
        hits = search_messages(session, query=query, limit=limit)
        names = labels(session, [h.username for h in hits])
    if as_json:
        print_json(dump(hits))
        return
    tz = local_zone()
    table(
        f"{hu.plural(len(hits), 'message')} containing {query!r}",
        ("when", "contact", "", "message"),
        [
            (hu.ago(h.sent_at, tz=tz), names[h.username], "you wrote" if h.is_outbound else "they wrote",
             hu.one_line(h.text))
            for h in hits
        ],
    )  # fmt: skip


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
    from everreach.relationship import directory

    with unit_of_work() as session:
        rows = directory.list_contacts(
            session, stage=stage, lane=lane, min_score=min_score, max_score=max_score, tag=tag, sort=sort,
            limit=limit, offset=offset,
        )  # fmt: skip
    if as_json:
        print_json(dump(rows))
        return
    tz = local_zone()
    table(
        f"Contacts: {hu.plural(len(rows), 'contact')} shown" + (f" from number {offset + 1}" if offset else ""),
        ("contact", "score", "stage", "lane", "last touch", "tags"),
        [
            (hu.person(r.username, r.display_name), r.score, hu.words(r.stage), hu.words(r.lane),
             hu.since(r.last_meaningful_touch, tz=tz), ", ".join(r.tags) or None)
            for r in rows
        ],
        right=("score",),
    )  # fmt: skip


def fit_signals(as_json: JsonOption = False) -> None:
    """Active fit signals with how many messages and contacts matched each."""
    from everreach.relationship import queries

    with unit_of_work() as session:
        rows = queries.fit_signal_summary(session)
    if as_json:
        print_json(dump(rows))
        return
    table(
        "Fit signals",
        ("product", "signal", "what it means", "messages", "contacts"),
        [(r.product, hu.words(r.signal_key), r.description, r.matches, r.contacts) for r in rows],
        right=("messages", "contacts"),
    )


@app.command("fit-matches")
def fit_matches(username: User, as_json: JsonOption = False) -> None:
    """A contact's fit-signal matches, each with its message."""
    from everreach.cli.people import labels
    from everreach.relationship import queries

    with unit_of_work() as session:
        rows = queries.fit_matches(session, username=username)
        who = next(iter(labels(session, [normalise_username(username)]).values()), hu.person(username))
    if as_json:
        print_json(dump(rows))
        return
    tz = local_zone()
    table(
        f"Fit signals of {who}",
        ("when", "signal", "phrase", "message"),
        [(hu.ago(r.sent_at, tz=tz), f"{r.product}: {hu.words(r.signal_key)}", r.matched_phrase,
          hu.one_line(r.message_text)) for r in rows],
    )  # fmt: skip


@app.command("history")
def history(username: User, as_json: JsonOption = False) -> None:
    """A contact's stage changes with reasons, oldest first."""
    from everreach.cli.people import labels
    from everreach.relationship import queries

    with unit_of_work() as session:
        rows = queries.stage_history(session, username=username)
        who = next(iter(labels(session, [normalise_username(username)]).values()), hu.person(username))
    if as_json:
        print_json(dump(rows))
        return
    tz = local_zone()
    table(
        f"Stage history of {who}",
        ("when", "from", "to", "by", "reason"),
        [(hu.ago(r.changed_at, tz=tz), hu.words(r.from_stage), hu.words(r.to_stage), hu.words(r.source),
          hu.tidy_sentence(r.reason)) for r in rows],
    )  # fmt: skip
