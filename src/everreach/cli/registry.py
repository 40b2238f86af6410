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


#: name: (module under everreach.cli, or a full dotted path; the one-line help `everreach --help` shows)
COMMANDS: dict[str, Entry] = {
    "import": Entry(
        "ingest", "Import Instagram DM history from a data export; safe to re-run (only new messages are added)."
    ),
    "score": Entry("relationship", "Recompute every contact's components, score, stage and fit signals."),
    "tasks": Entry("relationship", "This week's outreach buckets: micro-wins, curiosity, rewarm, offers."),
    "attention": Entry("relationship", "Contacts with no meaningful touch in 30 days (or never), highest score first."),
    "health": Entry("relationship", "Show a contact's score, stage, lane and components with reasons."),
    "next": Entry("relationship", "Suggest up to three next messages for a contact, from the templates of their lane."),
    "contacts": Entry("relationship", "List contacts, filtered by stage, lane, score range or tag."),
    "search": Entry("relationship", "Find messages containing the text, newest first."),
    "history": Entry("relationship", "A contact's stage changes with reasons, oldest first."),
    "fit-signals": Entry("understanding", "Fit signals: list, add and edit."),
    "features": Entry(
        "features",
        "Stored message features: how many are current, and rebuilding them after a model or signal change.",
    ),
    "detect": Entry("understanding", "The intents and fit signals a message would trigger, with how likely each is."),
    "fit-matches": Entry("relationship", "A contact's fit-signal matches, each with its message."),
    "context": Entry("records", "Fill the context card (an empty value clears a field)."),
    "value": Entry("records", "Log value you delivered."),
    "promise": Entry("records", "Log a promise you made."),
    "promise-kept": Entry("records", "Log a promise you kept."),
    "trust": Entry("records", "Log a trust signal."),
    "consent": Entry("records", "Log a consent event (a yes to an offer moves them to permissioned_offer)."),
    "purchase": Entry("records", "Log a purchase (moves them to post_win)."),
    "stage": Entry("records", "Set a contact's stage by hand (recorded in the history as yours)."),
    "queue": Entry("outreach", "The outreach queue: add, list, cancel, retry."),
    "worker": Entry(
        "outreach",
        "Send due queue rows at the configured pace, at most once each; Ctrl-C stops after the current send.",
    ),
    "serve": Entry("web", "Run the dashboard, JSON API (/api/v1) and Instagram webhook (/webhooks/instagram)."),
    "status": Entry(
        "status", "Show the database in use and what it holds: contacts, messages, queue, last import and score."
    ),
    "db": Entry("db", "Database schema: create, upgrade, inspect."),
    "seed": Entry(
        "seed", "Load the default patterns, templates and fit signals (idempotent), plus known handles from a file."
    ),
    "backup": Entry("backup", "Back up the whole database: a SQLite page copy, or portable JSON lines of every table."),
    "restore": Entry("backup", "Restore a backup into the configured (migrated) database, SQLite or PostgreSQL."),
    "browser": Entry("browser", "The web inbox through your own logged-in browser."),
    "sync": Entry(
        "browser",
        "Read new messages from the web inbox (newest first, stopping at what is stored) and store them once.",
    ),
    "dev": Entry("understanding", "Developer tools (synthetic data)."),
}


def module_of(name: str) -> str:
    """The module that defines the registered command `name` (KeyError for an unknown one)."""
    module = COMMANDS[name].module
    return module if "." in module else f"everreach.cli.{module}"
