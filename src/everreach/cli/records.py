"""Recording what happened with a contact: context card, value, promises, trust, consent, purchases, stage."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from everreach.cli.app import JsonOption, app, unit_of_work
from everreach.cli.relationship import User, show_health

Note = Annotated[str, typer.Argument(help="A short note.")]


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
    from everreach.relationship import service

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
    show_health(h, as_json)


@app.command("value")
def value(
    username: User,
    kind: Annotated[str, typer.Argument(help="link, intro, template, feedback or resource.")],
    note: Note,
    as_json: JsonOption = False,
) -> None:
    """Log value you delivered."""
    from everreach.relationship import service

    with unit_of_work() as session:
        h = service.record_value(session, username=username, kind=kind, note=note)
    show_health(h, as_json)


@app.command("promise")
def promise(username: User, note: Note, as_json: JsonOption = False) -> None:
    """Log a promise you made."""
    from everreach.relationship import service

    with unit_of_work() as session:
        h = service.record_promise(session, username=username, note=note)
    show_health(h, as_json)


@app.command("promise-kept")
def promise_kept(username: User, note: Note, as_json: JsonOption = False) -> None:
    """Log a promise you kept."""
    from everreach.relationship import service

    with unit_of_work() as session:
        h = service.record_promise_kept(session, username=username, note=note)
    show_health(h, as_json)


@app.command("trust")
def trust(
    username: User,
    kind: Annotated[str, typer.Argument(help="asks_opinion, refers_others or shares_updates.")],
    note: Note,
    as_json: JsonOption = False,
) -> None:
    """Log a trust signal."""
    from everreach.relationship import service

    with unit_of_work() as session:
        h = service.record_trust_signal(session, username=username, kind=kind, note=note)
    show_health(h, as_json)


@app.command("consent")
def consent(
    username: User,
    kind: Annotated[str, typer.Argument(help="opt_in, asked_for_help or offer_yes.")],
    note: Annotated[str, typer.Argument(help="A short note.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Log a consent event (a yes to an offer moves them to permissioned_offer)."""
    from everreach.relationship import service

    with unit_of_work() as session:
        h = service.record_consent(session, username=username, kind=kind, note=note)
    show_health(h, as_json)


@app.command("purchase")
def purchase(
    username: User,
    product: Annotated[str, typer.Argument(help="What they bought.")],
    note: Annotated[str, typer.Option("--note")] = "",
    as_json: JsonOption = False,
) -> None:
    """Log a purchase (moves them to post_win)."""
    from everreach.relationship import service

    with unit_of_work() as session:
        h = service.record_purchase(session, username=username, product=product, note=note)
    show_health(h, as_json)


@app.command("stage")
def stage(
    username: User,
    new_stage: Annotated[str, typer.Argument(metavar="STAGE", help="Any relationship stage.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the history).")] = "set by hand",
    as_json: JsonOption = False,
) -> None:
    """Set a contact's stage by hand (recorded in the history as yours)."""
    from everreach.relationship import service

    with unit_of_work() as session:
        h = service.set_stage(session, username=username, stage=new_stage, reason=reason)
    show_health(h, as_json)
