"""`everreach evidence USER`, `evidence dismiss USER ITEM`, `evidence confirm USER ITEM`: what the model read
from a contact's messages, and the user's verdict on each item (a thin layer over relationship/evidence.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from typer import _click  # Typer vendors Click; its Context is the one TyperGroup takes
from typer.core import TyperGroup

from everreach.cli import humanise as hu
from everreach.cli.app import JsonOption, app, console, local_zone, print_json, unit_of_work
from everreach.cli.output import table

if TYPE_CHECKING:
    from everreach.relationship.schemas import EvidenceItem, EvidenceReport

SHOW = "show"


class ShowByDefault(TyperGroup):
    """`everreach evidence USER` is `everreach evidence show USER`: a first word that is no subcommand is a
    username."""

    def resolve_command(
        self, ctx: _click.Context, args: list[str]
    ) -> tuple[str | None, _click.Command | None, list[str]]:
        """Route `evidence USER ...` to `show`."""
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = [SHOW, *args]
        return super().resolve_command(ctx, args)


evidence_app = typer.Typer(
    cls=ShowByDefault,
    help="What the model read from a contact's messages (promises, value, consent, trust, needs); dismiss or "
    "confirm an item.",
    no_args_is_help=True,
)
app.add_typer(evidence_app, name="evidence")

User = Annotated[str, typer.Argument(help="Instagram username (with or without @).")]
Item = Annotated[str, typer.Argument(help="The item's number or id, as `everreach evidence USER` lists it.")]


def _status(item: EvidenceItem) -> str:
    return {"dismissed": "dismissed (not counted)", "confirmed": "confirmed"}.get(item.status, "counted")


def _show(report: EvidenceReport) -> None:
    tz = local_zone()
    who = hu.person(report.username, report.display_name)
    if not report.items:
        console.line(f"{who}: nothing read from their messages yet (no promise, value, consent, trust or need)")
    else:
        rows = []
        for i in report.items:
            said = (
                f"{'you' if i.message and i.message.outbound else 'they'}: “{i.message.excerpt if i.message else ''}”"
            )
            if i.kept_by is not None:
                said += f"; kept by “{i.kept_by.excerpt}” ({hu.calendar_date(i.kept_by.sent_at, tz=tz)})"
            rows.append((i.number, i.id, i.kind_words, hu.calendar_date(i.at, tz=tz), said, _status(i)))
        table(
            f"Evidence read from the messages of {who}: {hu.plural(len(report.items), 'item')}",
            ("#", "id", "what", "when", "the words", "status"),
            rows,
            right=("#",),
        )
        console.line(
            f"`everreach evidence dismiss {report.username} NUMBER` stops an item counting; `confirm` keeps it."
        )
    for s in report.suggestions:
        console.line(
            f"suggested for the context card, {s.field_words}: “{s.text}” (from their message of "
            f"{hu.calendar_date(s.at, tz=tz)}; evidence {s.evidence})"
        )


@evidence_app.command(SHOW)
def show(username: User, as_json: JsonOption = False) -> None:
    """List every evidence item of a contact with its message, and the context-card suggestions."""
    from everreach.relationship.evidence import evidence_report

    with unit_of_work() as session:
        report = evidence_report(session, username=username)
    if as_json:
        print_json(report.model_dump(mode="json"))
        return
    _show(report)


def _verdict(username: str, item: str, verdict: str, as_json: bool) -> None:
    from everreach.relationship.evidence import review, verdict_sentence

    with unit_of_work() as session:
        found = review(session, username=username, ref=item, verdict=verdict)
    if as_json:
        print_json(found.model_dump(mode="json"))
        return
    console.line(f"{verdict_sentence(found)} (“{found.message.excerpt if found.message else ''}”); score updated")


@evidence_app.command("dismiss")
def dismiss(username: User, item: Item, as_json: JsonOption = False) -> None:
    """Dismiss an item the model misread: it stops counting at once (the contact is rescored)."""
    _verdict(username, item, "dismissed", as_json)


@evidence_app.command("confirm")
def confirm(username: User, item: Item, as_json: JsonOption = False) -> None:
    """Confirm an item (also undoes a dismissal): it counts, and is marked as checked by you."""
    _verdict(username, item, "confirmed", as_json)
