"""`everreach queue add|list|cancel|retry` and `everreach worker`: thin layers over everreach.outreach."""

from __future__ import annotations

import re
import signal
import threading
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from everreach.cli import humanise as hu
from everreach.cli.app import JsonOption, app, console, engine, local_zone, print_json, unit_of_work
from everreach.cli.output import table
from everreach.errors import ValidationError
from everreach.outreach import queue as service
from everreach.outreach.schemas import PacingRead, QueueItemRead

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from everreach.outreach.outage import Outage
    from everreach.outreach.worker import Step

queue_app = typer.Typer(help="The outreach queue: add, list, cancel, retry.", no_args_is_help=True)
app.add_typer(queue_app, name="queue")

#: `--once` and `--drain` are run by scripts: they wait out a database outage this long, then exit 1.
GIVE_UP_AFTER_SECONDS = 60.0
_RELATIVE = re.compile(r"^\+?(\d+)\s*([mhd])$")


def parse_when(raw: str, *, now: datetime | None = None) -> datetime:
    """`--at`: ISO 8601 (naive = local time zone) or relative `+30m`, `+2h`, `+1d`."""
    now = now or datetime.now(UTC)
    match = _RELATIVE.match(raw.strip().lower())
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        try:
            return now + timedelta(**{{"m": "minutes", "h": "hours", "d": "days"}[unit]: amount})
        except OverflowError:
            raise ValidationError(f"--at {raw!r} is too far in the future") from None
    try:
        return datetime.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationError(f"--at {raw!r}: give an ISO date-time (2025-03-01T10:30) or +30m, +2h, +1d") from None


def _local(when: datetime | None, *, now: datetime | None = None) -> str:
    """A send time as a person reads it: "in 2 hours (12 Mar 2025, 14:05)", "now" once it has passed."""
    if when is None:
        return "-"
    now = now or datetime.now(UTC)
    exact = hu.clock_time(when, tz=local_zone())
    if when <= now:
        return f"now (due since {exact})" if now - when > timedelta(minutes=1) else "now"
    return f"{hu.ago(when, now=now)} ({exact})" if when - now < timedelta(days=30) else exact


def _pacing_line(pacing: PacingRead) -> str:
    why = f": {'; '.join(pacing.reasons)}" if pacing.reasons else ""
    return (
        f"next allowed send: {_local(pacing.next_allowed_send)}{why} · "
        f"sent in the last hour {pacing.sent_last_hour} of {pacing.hourly_cap} · today {pacing.sent_today} of "
        f"{pacing.daily_cap} · active hours {pacing.active_hours}"
    )


@queue_app.command("add")
def add(
    user: Annotated[str, typer.Argument(help="Instagram username (with or without @).")],
    text: Annotated[str | None, typer.Argument(help="The message; omit with --from-next.")] = None,
    at: Annotated[str | None, typer.Option("--at", help="When: ISO date-time (local) or +30m, +2h, +1d.")] = None,
    priority: Annotated[int, typer.Option("--priority", help="1-10, higher is sent first.")] = 5,
    from_next: Annotated[bool, typer.Option("--from-next", help="Queue the contact's next best action.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Queue even if a message to them is still open.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Queue a message to a contact (refused for unknown, spam, empty or too-long messages)."""
    if from_next == (text is not None):
        raise ValidationError("give either TEXT or --from-next")
    with unit_of_work() as session:
        if from_next:
            queued = service.add_next_best_action(session, username=user, force=force)
            item, note = queued.item, f" (template {hu.words(queued.action_key)}, lane {hu.words(queued.lane)})"
        else:
            when = parse_when(at) if at else None
            item = service.add_to_queue(
                session, username=user, text=text or "", at=when, priority=priority, force=force
            )
            note = ""
        who = _labels(session, [item.username])[item.username]
    if as_json:
        print_json(item.model_dump(mode="json"))
        return
    when_text = f", due {_local(item.scheduled_at)}" if item.scheduled_at else ""
    console.line(f"queued {item.id.hex[:8]} to {who}{when_text}{note}: {hu.words(item.status)}")


@queue_app.command("list")
def list_(
    status: Annotated[str | None, typer.Option("--status", help="Only rows in this status.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many rows.")] = service.DEFAULT_LIMIT,
    as_json: JsonOption = False,
) -> None:
    """Show the queue in send order with each row's next attempt time, and the pacing status."""
    with unit_of_work() as session:
        listing = service.list_queue(session, status=status, limit=limit)
        names = _labels(session, [item.username for item in listing.items])
    if as_json:
        print_json(listing.model_dump(mode="json"))
        return
    rows = []
    for item in listing.items:
        waiting = item.status in service.OPEN_STATUSES
        when = _local(item.next_attempt_at) if waiting else hu.ago(item.sent_at, tz=local_zone(), never="-")
        rows.append(
            (item.id.hex[:8], names[item.username], hu.words(item.status), item.priority, when,
             hu.one_line(item.message_text), hu.one_line(item.error) or None)
        )  # fmt: skip
    table(None, ("id", "contact", "status", "priority", "next attempt / sent", "message", "error"), rows)
    counts = ", ".join(f"{v:,} {hu.words(k)}" for k, v in listing.counts.items() if v)
    console.line(f"{hu.plural(len(listing.items), 'row')} shown · {counts or 'queue empty'}")
    console.line(_pacing_line(listing.pacing))


def _labels(session: Session, usernames: list[str]) -> dict[str, str]:
    from everreach.cli.people import labels

    return labels(session, usernames)


def _show(item: QueueItemRead, verb: str) -> None:
    console.line(f"{verb} {item.id.hex[:8]} to {hu.person(item.username)}: now {hu.words(item.status)}")


@queue_app.command("cancel")
def cancel(item_id: Annotated[str, typer.Argument(help="Row id (or its first characters).")]) -> None:
    """Cancel a row that is not sent or being sent."""
    with unit_of_work() as session:
        _show(service.cancel(session, item_id=item_id), "cancelled")


@queue_app.command("retry")
def retry(item_id: Annotated[str, typer.Argument(help="Row id (or its first characters).")]) -> None:
    """Put a failed row back to pending (the worker never retries a failed row by itself)."""
    with unit_of_work() as session:
        _show(service.retry(session, item_id=item_id), "pending again")


@app.command("worker")
def worker(
    once: Annotated[bool, typer.Option("--once", help="One step (at most one send), then exit.")] = False,
    drain: Annotated[bool, typer.Option("--drain", help="Exit once nothing can be sent right now.")] = False,
    sender: Annotated[
        str | None, typer.Option("--sender", help="dry-run, graph or dm-server (default: EVERREACH_SENDER).")
    ] = None,
) -> None:
    """Send due queue rows at the configured pace, at most once each; Ctrl-C stops after the current send.

    A database outage is reported and waited out (with `--once`/`--drain`, for at most a minute).
    """
    from everreach.config import get_settings
    from everreach.outreach.senders import make_sender
    from everreach.outreach.worker import Worker

    eng = engine()
    stop = threading.Event()
    previous = _install_stop_handlers(stop)
    try:
        with Worker(eng, sender=make_sender(get_settings(), sender)) as w:
            console.line(f"worker {w.worker_id} · {w.sender.describe()}")
            w.run(
                once=once,
                drain=drain,
                on_step=_report,
                sleep=stop.wait,
                should_stop=stop.is_set,
                on_outage=_report_outage,
                give_up_after=GIVE_UP_AFTER_SECONDS if once or drain else None,
            )
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    with unit_of_work() as session:
        console.line(_pacing_line(service.pacing_status(session)))


def _install_stop_handlers(stop: threading.Event) -> dict[int, signal._HANDLER]:
    if threading.current_thread() is not threading.main_thread():
        return {}

    def _stop(_sig: int, _frame: FrameType | None) -> None:
        stop.set()

    return {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}


def _report_outage(outage: Outage) -> None:
    if outage.resumed:
        console.line(f"database back after {outage.down_for:.0f} s: resuming")
    else:
        console.line(f"database unavailable: {outage.error}; retrying in {outage.retry_in:.0f} s")


def _report(step: Step) -> None:
    for row in step.recovered:
        console.line(f"failed {row.hex[:8]}: interrupted: delivery unknown (a worker died while sending)")
    for item in step.skipped:
        console.line(f"{hu.words(item.status)} {item.id.hex[:8]} to {hu.person(item.username)}: {item.error}")
    if step.item is not None:
        detail = f": {step.error}" if step.error else ""
        verb = {"sent": "sent", "failed": "failed", "retry": "rescheduled"}.get(step.kind, step.kind)
        console.line(f"{verb} {step.item.id.hex[:8]} to {hu.person(step.item.username)}{detail}")
    elif step.kind == "idle":
        why = f" ({'; '.join(step.reasons)})" if step.reasons else ""
        wake = f"; next row due {_local(step.wake_at)}" if step.wake_at else "; nothing waiting"
        console.line(f"idle: next allowed send {_local(step.next_allowed_send)}{why}{wake}")
