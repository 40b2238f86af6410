"""Message understanding commands: detect, dev eval-intents, fit-signals add and edit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from everreach.cli import relationship as _relationship
from everreach.cli.app import JsonOption, app, fail, print_json, unit_of_work
from everreach.cli.features import rebuild_hint
from everreach.cli.ingest import dev_app
from everreach.messages.featurestore import stale_count
from everreach.understanding import MessageToRead, classifier_for
from everreach.understanding.describe import report_lines, sentence
from everreach.understanding.evaluate import evaluate, read_examples
from everreach.understanding.signals import active_signals, add_signal, edit_signal

fit_signals_app = typer.Typer(help="Fit signals: list, add and edit.", invoke_without_command=True)
app.add_typer(fit_signals_app, name="fit-signals")


@fit_signals_app.callback()
def fit_signals(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Active fit signals with how many messages and contacts matched each."""
    if ctx.invoked_subcommand is None:
        _relationship.fit_signals(as_json)


Phrases = Annotated[list[str], typer.Option("--phrase", help="An example phrase (repeat the option).")]


@fit_signals_app.command("add")
def fit_signals_add(
    product: str, key: str, description: str, phrase: Phrases, offer: Annotated[str | None, typer.Option()] = None
) -> None:
    """Add a fit signal with its description and example phrases; recognised at once."""
    with unit_of_work() as session:
        signal = add_signal(session, product, key, description=description, phrases=phrase, offer=offer)
        stale = stale_count(session, classifier=classifier_for(session))
    typer.echo(f"added {signal.product} {signal.key} with {len(signal.phrases)} example phrases")
    _hint(stale)


@fit_signals_app.command("edit")
def fit_signals_edit(
    product: str,
    key: str,
    description: Annotated[str | None, typer.Option(help="A new description.")] = None,
    phrase: Annotated[list[str] | None, typer.Option("--phrase", help="An example phrase to add.")] = None,
    remove: Annotated[list[str] | None, typer.Option("--remove", help="An example phrase to remove.")] = None,
    active: Annotated[bool | None, typer.Option("--active/--inactive", help="Turn the signal on or off.")] = None,
) -> None:
    """Change a fit signal's description or phrases, or turn it off; recognised at once."""
    with unit_of_work() as session:
        signal = edit_signal(
            session,
            product,
            key,
            description=description,
            add_phrases=phrase or (),
            remove_phrases=remove or (),
            active=active,
        )
        stale = stale_count(session, classifier=classifier_for(session))
    typer.echo(f"{signal.product} {signal.key} now has {len(signal.phrases)} example phrases")
    _hint(stale)


def _hint(stale: int) -> None:
    """Stored messages were read with the signals as they were: say how to read them again."""
    line = rebuild_hint(stale)
    if line:
        typer.echo(line)


@app.command("detect")
def detect(
    text: str,
    outbound: Annotated[bool, typer.Option("--outbound", help="Read it as a message you sent.")] = False,
    as_json: JsonOption = False,
) -> None:
    """The intents and fit signals a message would trigger, with how likely each is."""
    with unit_of_work() as session:
        classifier = classifier_for(session)
        descriptions = {s.key: s.description for s in active_signals(session)}
    matches = classifier.classify([MessageToRead(text, outbound)])[0]
    if as_json:
        print_json(
            {"text": text, "outbound": outbound, "reader": classifier.source, "matches": [_as_dict(m) for m in matches]}
        )
        return
    if not matches:
        typer.echo("Nothing recognised in this message.")
    for match in matches:
        typer.echo(sentence(match, descriptions))
    if classifier.source != "model":
        typer.echo("(the sentence model could not load: only the phrase matcher was used)")


def _as_dict(match: object) -> dict[str, object]:
    return {
        name: getattr(match, name) for name in ("kind", "key", "product", "probability", "nearest_phrase", "source")
    }


@dev_app.command("eval-intents")
def eval_intents(path: Path, as_json: JsonOption = False) -> None:
    """Precision, recall and F1 per intent and fit signal on a labelled JSONL file."""
    try:
        examples = read_examples(path)
    except (OSError, ValueError) as exc:
        fail(f"{path}: {exc}")
    with unit_of_work() as session:
        report = evaluate(classifier_for(session), examples)
    if as_json:
        print_json(
            {
                "signals_micro_f1": report.signals_micro_f1,
                "labels": [
                    {
                        "key": s.key,
                        "kind": s.kind,
                        "precision": s.precision,
                        "recall": s.recall,
                        "f1": s.f1,
                        "true_positives": s.true_positives,
                        "false_positives": s.false_positives,
                        "false_negatives": s.false_negatives,
                    }
                    for s in report.scores
                ],
            }
        )
        return
    for line in report_lines(report):
        typer.echo(line)
