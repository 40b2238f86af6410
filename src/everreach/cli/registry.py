"""Every top-level `everreach` command: its name, the module that defines it, and its one-line help.

A command's module is imported only when that command runs, so `everreach --help` (which shows these static
lines) and each command load nothing they do not need. To add a command: define it in its module with
`@app.command("name")` (or a sub-app with `app.add_typer(sub_app, name="name")`), using `app` from
`everreach.cli.app`, and add one line below. A test holds each line's help equal to the command's docstring.
"""

from __future__ import annotations

from typing import NamedTuple


class Entry(NamedTuple):
    """Where a command lives and what `everreach --help` says about it."""

    module: str
    help: str


COMMANDS: dict[str, Entry] = {
    "import": Entry(
        "everreach.cli.ingest",
        "Import Instagram DM history from a data export; safe to re-run (only new messages are added).",
    ),
    "score": Entry("everreach.cli.relationship", "Recompute every contact's components, score, stage and fit signals."),
    "tasks": Entry("everreach.cli.relationship", "This week's outreach buckets: micro-wins, curiosity, rewarm, offers."),
    "attention": Entry(
        "everreach.cli.relationship", "Contacts with no meaningful touch in 30 days (or never), highest score first."
    ),
    "health": Entry("everreach.cli.relationship", "Show a contact's score, stage, lane and components with reasons."),
    "next": Entry(
        "everreach.cli.relationship", "Suggest up to three next messages for a contact, from the templates of their lane."
    ),
    "contacts": Entry("everreach.cli.relationship", "List contacts, filtered by stage, lane, score range or tag."),
    "search": Entry("everreach.cli.relationship", "Find messages containing the text, newest first."),
    "history": Entry("everreach.cli.relationship", "A contact's stage changes with reasons, oldest first."),
    "fit-signals": Entry(
        "everreach.cli.relationship", "Active fit signals with how many messages and contacts matched each."
    ),
    "fit-matches": Entry("everreach.cli.relationship", "A contact's fit-signal matches, each with its message."),
    "context": Entry("everreach.cli.records", "Fill the context card (an empty value clears a field)."),
    "value": Entry("everreach.cli.records", "Log value you delivered."),
    "promise": Entry("everreach.cli.records", "Log a promise you made."),
    "promise-kept": Entry("everreach.cli.records", "Log a promise you kept."),
    "trust": Entry("everreach.cli.records", "Log a trust signal."),
    "consent": Entry(
        "everreach.cli.records", "Log a consent event (a yes to an offer moves them to permissioned_offer)."
    ),
    "purchase": Entry("everreach.cli.records", "Log a purchase (moves them to post_win)."),
    "stage": Entry("everreach.cli.records", "Set a contact's stage by hand (recorded in the history as yours)."),
    "queue": Entry("everreach.cli.outreach", "The outreach queue: add, list, cancel, retry."),
    "worker": Entry("everreach.cli.outreach", "Send due queue rows at the configured pace, at most once each; Ctrl-C stops after the current send."),
    "serve": Entry("everreach.cli.web", "Run the dashboard, JSON API (/api/v1) and Instagram webhook (/webhooks/instagram)."),
    "status": Entry("everreach.cli.db", "Show the database in use and what it holds: contacts, messages, queue, last import and score."),
    "db": Entry("everreach.cli.db", "Database schema: create, upgrade, inspect."),
    "seed": Entry(
        "everreach.cli.seed",
        "Load the default patterns, templates and fit signals (idempotent), plus known handles from a file.",
    ),
    "backup": Entry(
        "everreach.cli.backup", "Back up the whole database: a SQLite page copy, or portable JSON lines of every table."
    ),
    "restore": Entry(
        "everreach.cli.backup", "Restore a backup into the configured (migrated) database, SQLite or PostgreSQL."
    ),
    "dev": Entry("everreach.cli.ingest", "Developer tools (synthetic data)."),
}
