"""`everreach browser login|check` and `everreach sync` (the web inbox through the user's own browser)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from everreach import config
from everreach.browser.check import check_selectors
from everreach.browser.session import Browser, profile_dir
from everreach.browser.sync import VIEWS, SyncSummary, sync_inbox
from everreach.cli.app import JsonOption, app, console, engine, err_console, fail, print_json

browser_app = typer.Typer(help="The web inbox through your own logged-in browser.", no_args_is_help=True)
app.add_typer(browser_app, name="browser")


@browser_app.command("login")
def login(
    headless: Annotated[
        bool, typer.Option("--headless", help="Only check the saved session, without a window.")
    ] = False,
) -> None:
    """Open Chromium on EverReach's browser profile so you can log in to Instagram by hand (once)."""
    settings = config.get_settings()
    with Browser(settings, headless=headless) as browser:
        browser.page.goto(browser.site.inbox, wait_until="domcontentloaded")
        console.print(f"browser profile: {profile_dir(settings)} ({browser.executable})", markup=False)
        if headless:
            url = str(browser.page.url)
            if "/accounts/login" in url or browser.page.locator('input[name="username"]').count():
                fail("not logged in: run `everreach browser login` without --headless and log in")
            console.print("logged in: the saved session opens the inbox", markup=False)
            return
        console.print("log in in the browser window (no password is stored by EverReach), then close the window")
        browser.page.wait_for_event("close", timeout=0)


@browser_app.command("check")
def check(as_json: JsonOption = False) -> None:
    """Load the inbox, a thread and a profile, and report each selector row: found, not found or ambiguous."""
    rows = check_selectors(engine(), config.get_settings(), headless=True)
    if as_json:
        print_json([r.model_dump() for r in rows])
    else:
        table = Table("key", "status", "matches", "page", "selector", "used for")
        for r in rows:
            style = "red" if r.problem else None
            table.add_row(r.key, r.status, "" if r.matches is None else str(r.matches), r.page, r.selector,
                          r.purpose, style=style)  # fmt: skip
        console.print(table)
    broken = [r.key for r in rows if r.problem]
    if broken:
        err_console.print(f"selectors to repair: {', '.join(broken)} (Settings page, or edit automation_patterns)")
        raise typer.Exit(1)


@app.command("sync")
def sync(
    tab: Annotated[list[str] | None, typer.Option("--tab", help="primary, general or requests (repeatable).")] = None,
    threads: Annotated[int | None, typer.Option("--threads", help="Open at most N threads this run.")] = None,
    source: Annotated[str | None, typer.Option("--from", help="'dm-server URL' to read a Safari DM server.")] = None,
    url: Annotated[str | None, typer.Argument(help="The DM server's URL (with --from dm-server).")] = None,
    no_profiles: Annotated[bool, typer.Option("--no-profiles", help="Do not read profile pages.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Read new messages from the web inbox (newest first, stopping at what is stored) and store them once."""
    views = tuple(tab or VIEWS)
    unknown = [v for v in views if v not in VIEWS]
    if unknown:
        fail(f"unknown tab {unknown[0]!r}: choose primary, general or requests")
    settings = config.get_settings()
    eng = engine()
    if source is not None:
        if source != "dm-server" or not url:
            fail("use --from dm-server URL")
        from everreach.browser.dm_server import sync_dm_server

        summary = sync_dm_server(eng, settings, url=str(url), views=views, max_threads=threads)
    elif console.is_terminal and not as_json:
        total = threads or settings.browser_threads_per_run
        with Progress(TextColumn("syncing"), BarColumn(), MofNCompleteColumn(), TextColumn("threads"),
                      console=console.rich, transient=True) as bar:  # fmt: skip
            task = bar.add_task("sync", total=total)

            def on_progress(s: SyncSummary) -> None:
                """Advance by threads opened."""
                bar.update(task, completed=s.threads_opened)

            summary = sync_inbox(eng, settings, views=views, max_threads=threads, profiles=not no_profiles,
                                 progress=on_progress)  # fmt: skip
    else:
        summary = sync_inbox(eng, settings, views=views, max_threads=threads, profiles=not no_profiles)
    if as_json:
        print_json(summary.model_dump())
    else:
        _print(summary)
    if not summary.ok:
        raise typer.Exit(1)


def _print(s: SyncSummary) -> None:
    console.print(
        f"synced {s.source}: {s.threads_opened} threads opened, {s.threads_changed} with new messages, "
        f"{s.new_messages} new messages, {s.noise_lines} noise lines skipped, {s.profiles_read} profiles read"
        + (" (thread cap reached: run again for the rest)" if s.capped else ""),
        markup=False, highlight=False,
    )  # fmt: skip
    for skipped in s.threads_skipped:
        console.print(f"skipped {skipped}", markup=False, highlight=False)
    if s.stopped:
        err_console.print(f"stopped: {s.stopped}", markup=False)
