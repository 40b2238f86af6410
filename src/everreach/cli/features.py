"""`everreach features` and `everreach features rebuild`: the stored per-message features."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from everreach.cli.app import JsonOption, app, console, err_console, print_json, unit_of_work
from everreach.cli.humanise import plural
from everreach.messages.featurestore import FeatureSummary, ProgressFn, feature_summary, rebuild

features_app = typer.Typer(
    help="Stored message features: how many are current, and rebuilding them after a model or signal change.",
    invoke_without_command=True,
)
app.add_typer(features_app, name="features")


@features_app.callback()
def features(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """How many messages have stored features, how many are out of date, and what they found."""
    if ctx.invoked_subcommand is not None:
        return
    with unit_of_work() as session:
        summary = feature_summary(session)
    if as_json:
        print_json(summary.__dict__)
        return
    for line in summary_lines(summary):
        console.line(line)


@contextmanager
def _bar(enabled: bool) -> Iterator[ProgressFn | None]:
    """A Rich progress bar on stderr (none when output is JSON)."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("reading messages"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err_console.rich, transient=True) as bars:
        task = bars.add_task("features", total=None)

        def report(done: int, total: int) -> None:
            bars.update(task, completed=done, total=total or None)

        yield report


@features_app.command("rebuild")
def features_rebuild(
    stale: Annotated[
        bool, typer.Option("--stale", help="Only messages without features or read by an older model or signal set.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Read every message again (intents, fit signals, text features) and store the result, with a progress bar."""
    start = time.perf_counter()
    with _bar(not as_json) as progress, unit_of_work() as session:
        count = rebuild(session, progress=progress, stale_only=stale)
        summary = feature_summary(session)
    seconds = time.perf_counter() - start
    if as_json:
        print_json({"rebuilt": count, "seconds": round(seconds, 2), **summary.__dict__})
        return
    what = "out-of-date or missing " if stale else ""
    console.line(f"Read {plural(count, what + 'message')} again in {seconds:.1f} s.")
    for line in summary_lines(summary):
        console.line(line)
    if count:
        console.line("Run `everreach score` so scores, stages and next actions use them.")


def summary_lines(summary: FeatureSummary) -> list[str]:
    """The summary in a person's words."""
    reader = "the packaged sentence model and exact phrases" if summary.reader == "model" else "exact phrases only"
    lines = [
        f"{summary.stored:,} of {plural(summary.messages, 'message')} have stored features (read with {reader}).",
        f"{summary.meaningful:,} are meaningful touches, {summary.with_intents:,} show an intent, "
        f"{summary.with_fit_signals:,} a fit signal.",
    ]
    if summary.stale:
        lines.append(
            f"{plural(summary.stale, 'message')} need reading again: run `everreach features rebuild --stale`."
        )
    else:
        lines.append("Every message is read with the current model and fit signals.")
    return lines


def rebuild_hint(stale: int) -> str | None:
    """After a fit signal changed: how many stored messages were read with the old signals, and what to run."""
    if not stale:
        return None
    return (
        f"{plural(stale, 'stored message')} {'was' if stale == 1 else 'were'} read with the old fit signals: run "
        "`everreach features rebuild --stale` to read them again, then `everreach score`."
    )
