"""What a person reads: full values when piped, names beside handles, human dates, did-you-mean on a typo."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session
from typer.testing import Result

from everreach.contacts.lookup import UnknownContactError, get_contact
from everreach.db.models import Contact
from tests.relationship.factories import message

LONG_HANDLE = "the.extraordinarily.long.handle.of.a.ceramics.studio_2024"
LONG_NAME = "Jane Okafor-Westbrook of the Riverside Pottery and Ceramics Collective"


def contact(session: Session, *, username: str, display_name: str | None, days_ago: int | None = None) -> Contact:
    touched = datetime.now(UTC) - timedelta(days=days_ago) if days_ago is not None else None
    planned = touched + timedelta(days=30) if touched is not None else None  # overdue: listed by `attention`
    row = Contact(
        instagram_username=username, display_name=display_name, last_meaningful_touch=touched,
        next_planned_touch=planned,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row


def _people(session: Session) -> None:
    long_one = contact(session, username=LONG_HANDLE, display_name=LONG_NAME, days_ago=400)
    message(
        session, contact=long_one, text="we finally shipped our app and I keep forgetting to follow up", days_ago=400
    )
    contact(session, username="jane.builds", display_name="Jane Okafor")
    contact(session, username="janet.bakes", display_name="Janet Moss")
    session.commit()


def _piped(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the real command in a subprocess with stdout piped (not a terminal) and an 80-column hint."""
    env = {**os.environ, "COLUMNS": "80"}
    code = "from everreach.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, "--db", db_url, *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_piped_output_keeps_long_names_and_handles_whole(session: Session, db_url: str) -> None:
    _people(session)
    for args in (("contacts",), ("attention",), ("search", "shipped")):
        done = _piped(db_url, *args)
        assert done.returncode == 0, done.stderr
        assert f"{LONG_NAME} (@{LONG_HANDLE})" in done.stdout, args
        assert "…" not in done.stdout, args
        assert all(line == line.rstrip() for line in done.stdout.splitlines()), args
    text = _piped(db_url, "search", "shipped").stdout
    assert "we finally shipped our app and I keep forgetting to follow up" in text
    assert "+00:00" not in text


def test_listings_show_names_and_human_dates(cli: Callable[..., Result], session: Session) -> None:
    _people(session)
    listed = cli("contacts")
    assert listed.exit_code == 0, listed.output
    assert "Jane Okafor (@jane.builds)" in listed.stdout
    assert "first touch" in listed.stdout
    assert "first_touch" not in listed.stdout
    when = datetime.now(UTC) - timedelta(days=400)
    assert f"400 days ago ({when.day} {when:%b %Y})" in listed.stdout
    assert "2 contacts" not in listed.stdout  # three are listed
    assert "3 contacts shown" in listed.stdout
    health = cli("health", LONG_HANDLE)
    assert f"{LONG_NAME} (@{LONG_HANDLE})" in health.stdout
    days = [line for line in health.stdout.splitlines() if "days ago" in line]
    assert days
    assert all(".0 days" not in line and ".1 days" not in line for line in days)  # one whole-day figure
    assert "need clarity" in health.stdout


def test_status_speaks_of_what_a_person_has(cli: Callable[..., Result], session: Session) -> None:
    _people(session)
    shown = cli("status")
    assert shown.exit_code == 0, shown.output
    assert "contacts:       3 (3 first touch)" in shown.stdout
    assert "messages:       1 (0 sent by you, 1 received)" in shown.stdout
    assert "outreach queue: empty" in shown.stdout
    assert "last score:     never" in shown.stdout
    assert "instagram_" not in shown.stdout
    assert "contact_ranks" not in shown.stdout
    data = json.loads(cli("status", "--json").stdout)
    assert data["summary"]["contacts"] == 3
    assert data["tables"]["instagram_contacts"] == 3


def test_lookup_suggests_close_handles_and_names(session: Session) -> None:
    _people(session)
    with pytest.raises(UnknownContactError) as typo:
        get_contact(session, username="@jane.bulds")
    assert typo.value.suggestions[0] == "jane.builds"
    assert "did you mean @jane.builds" in str(typo.value)
    with pytest.raises(UnknownContactError) as by_name:
        get_contact(session, username="okafor")  # part of two display names
    assert set(by_name.value.suggestions[:2]) == {"jane.builds", LONG_HANDLE}
    with pytest.raises(UnknownContactError) as nothing_close:
        get_contact(session, username="zzqqx")
    assert nothing_close.value.suggestions == []
    assert "did you mean" not in str(nothing_close.value)


def test_lookup_escapes_like_wildcards(session: Session) -> None:
    contact(session, username="a_b", display_name=None)
    contact(session, username="zz%", display_name=None)
    session.commit()
    with pytest.raises(UnknownContactError) as underscore:
        get_contact(session, username="a_")
    assert underscore.value.suggestions == ["a_b"]
    with pytest.raises(UnknownContactError) as percent:
        get_contact(session, username="q%")  # '%' is a literal, not "anything"
    assert percent.value.suggestions == []


def test_cli_did_you_mean(cli: Callable[..., Result], session: Session) -> None:
    _people(session)
    missing = cli("health", "jane.biulds")
    assert missing.exit_code == 1
    assert missing.stderr.startswith("error: unknown contact @jane.biulds")
    assert "did you mean @jane.builds" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
    queued = cli("queue", "add", "janet.bake", "hi")
    assert "did you mean @janet.bakes" in queued.stderr
