"""`everreach import PATH` and the developer command `everreach dev synth-export`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine

from everreach.cli.app import JsonOption, app, console, engine, err_console, print_json
from everreach.cli.humanise import plural
from everreach.ingest import ImportProgress, ImportSummary, import_export
from everreach.ingest.service import ProgressCallback

dev_app = typer.Typer(help="Developer tools (synthetic data).", no_args_is_help=True)
app.add_typer(dev_app, name="dev")


@app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="The export's .zip, its folder, a thread folder, or one file.")],
    owner: Annotated[
        str | None, typer.Option("--owner", help="Your name as the export shows it (default: detected).")
    ] = None,
    include_groups: Annotated[
        bool, typer.Option("--include-groups", help="Import group threads too (one contact per group).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Import Instagram DM history from a data export; safe to re-run (only new messages are added)."""
    eng = engine()
    if console.is_terminal and not as_json:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        with Progress(
            TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TextColumn("threads"),
            TimeRemainingColumn(), console=console.rich, transient=True,
        ) as bar:  # fmt: skip
            task = bar.add_task("import", total=None)

            def on_progress(p: ImportProgress) -> None:
                """Advance the bar by thread units."""
                bar.update(task, completed=p.units_done, total=p.units_total)

            summary = _run(eng, path, owner, include_groups, on_progress)
    else:
        summary = _run(eng, path, owner, include_groups, None)
    if as_json:
        print_json(summary.model_dump())
    else:
        _print_summary(summary)
    if not summary.ok:
        raise typer.Exit(1)


def _run(
    eng: Engine, path: Path, owner: str | None, include_groups: bool, progress: ProgressCallback | None
) -> ImportSummary:
    try:
        return import_export(eng, path, owner=owner, include_groups=include_groups, progress=progress)
    except KeyboardInterrupt:
        # Batches hold whole threads, so what was committed is complete; a rerun adds only the rest.
        err_console.line("interrupted: threads imported so far are saved; run the same command to finish")
        raise typer.Exit(130) from None


def _print_summary(summary: ImportSummary) -> None:
    owner = f"{summary.owner} ({summary.owner_source})" if summary.owner else summary.owner_source
    console.line(f"imported {summary.source}  owner: {owner}")
    console.line(
        f"threads: {summary.threads_imported:,} imported of {summary.threads_total:,}, "
        f"{plural(summary.groups_skipped, 'group')} skipped"
    )
    spam = f", {summary.contacts_flagged_spam:,} flagged as spam" if summary.contacts_flagged_spam else ""
    console.line(f"contacts: {summary.contacts_new:,} new, {summary.contacts_updated:,} updated{spam}")
    cut = f", {plural(summary.messages_truncated, 'long text')} cut" if summary.messages_truncated else ""
    invalid = summary.messages_invalid_time
    left_out = f", {plural(invalid, 'message')} with an invalid time left out" if invalid else ""
    cleaned = summary.messages_cleaned
    scrubbed = f", {plural(cleaned, 'message')} cleaned of characters that cannot be stored" if cleaned else ""
    console.line(
        f"messages: {summary.messages_new:,} new, {summary.messages_duplicate:,} duplicate{cut}{left_out}{scrubbed}"
    )
    if summary.groups_skipped:
        more = " ..." if summary.groups_skipped > 10 else ""
        console.line("skipped groups (use --include-groups): " + ", ".join(summary.skipped_groups[:10]) + more)
    for problem in summary.message_problems:
        err_console.line(f"warning: {problem.file}: {problem.problem} ({problem.example})", style="yellow")
    for failure in summary.files_with_errors:
        err_console.line(f"error: {failure.file}: {failure.error}", style="red")
    if summary.files_with_errors:
        err_console.line(f"{plural(len(summary.files_with_errors), 'file')} with errors", style="red")


@dev_app.command("synth-export")
def synth_export(
    out: Annotated[Path, typer.Argument(help="Folder to write (or a .zip path).")],
    threads: Annotated[int, typer.Option("--threads", min=1, help="Number of threads.")] = 100,
    messages: Annotated[int, typer.Option("--messages", min=0, help="Total messages over all threads.")] = 5000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same export).")] = 0,
    as_json: JsonOption = False,
) -> None:
    """Write a realistic synthetic Instagram export (folder layout, split files, mojibake, system lines)."""
    from everreach.ingest.synthetic import generate_export

    manifest = generate_export(out, threads=threads, messages=messages, seed=seed)
    if as_json:
        print_json(manifest.model_dump())
        return
    console.line(
        f"wrote {out}: {plural(manifest.threads, 'thread')} ({plural(manifest.group_threads, 'group')}, "
        f"{plural(manifest.request_threads, 'request')}), {plural(manifest.messages, 'message')} in "
        f"{plural(manifest.files, 'file')}"
    )
