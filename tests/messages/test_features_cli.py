"""`everreach features` and `everreach features rebuild`: counts in a person's words, a rebuild that reads again."""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from typer.testing import Result

from everreach.db.models_v2 import MessageFeature
from tests.messages.factories import contact, message


def test_rebuild_reads_messages_written_without_features(cli: Callable[..., Result], session: Session) -> None:
    ann = contact(session, username="ann")
    for i, text in enumerate(["thanks so much!!", "ok", "i'm building a booking tool for dentists"]):
        message(session, contact=ann, text=text, days_ago=i + 1)
    session.commit()
    before = cli("features")
    assert before.exit_code == 0
    assert "0 of 3 messages have stored features" in before.stdout
    assert "3 messages need reading again: run `everreach features rebuild --stale`" in before.stdout
    stale = cli("features", "rebuild", "--stale")
    assert stale.exit_code == 0, stale.output
    assert "Read 3 out-of-date or missing messages again in" in stale.stdout
    assert "3 of 3 messages have stored features" in stale.stdout
    session.commit()
    with_intents = sum(1 for keys in session.scalars(select(MessageFeature.intents)) if keys)
    assert with_intents >= 2  # the thanks and the project at least
    assert f"2 are meaningful touches, {with_intents} show an intent, 0 a fit signal." in stale.stdout
    assert "Every message is read with the current model and fit signals." in stale.stdout
    assert "everreach score" in stale.stdout
    assert session.scalar(select(func.count()).select_from(MessageFeature)) == 3
    session.execute(delete(MessageFeature))
    session.commit()
    full = cli("features", "rebuild", "--json")
    assert full.exit_code == 0
    report = json.loads(full.stdout)
    assert (report["rebuilt"], report["stored"], report["stale"], report["messages"]) == (3, 3, 0, 3)


def test_an_empty_database_has_nothing_to_rebuild(cli: Callable[..., Result]) -> None:
    result = cli("features", "rebuild")
    assert result.exit_code == 0
    assert "Read 0 messages again" in result.stdout
    assert "everreach score" not in result.stdout


def test_a_changed_fit_signal_says_how_to_read_stored_messages_again(
    cli: Callable[..., Result], session: Session
) -> None:
    assert cli("seed").exit_code == 0
    ann = contact(session, username="ann")
    message(session, contact=ann, text="every plant i own ends up dead", days_ago=1)
    session.commit()
    assert cli("features", "rebuild").exit_code == 0
    added = cli("fit-signals", "add", "greenthumb", "plants_dying", "My plants keep dying", "--phrase", "my plants die")
    assert added.exit_code == 0, added.output
    hint = "1 stored message was read with the old fit signals: run `everreach features rebuild --stale`"
    assert hint in added.stdout
    assert cli("features", "rebuild", "--stale").exit_code == 0
    edited = cli("fit-signals", "edit", "greenthumb", "plants_dying", "--phrase", "i kill every plant")
    assert hint in edited.stdout
    assert cli("features", "rebuild", "--stale").exit_code == 0
    again = cli("fit-signals", "edit", "greenthumb", "plants_dying", "--phrase", "i kill every plant")
    assert "stored message" not in again.stdout  # nothing changed: the stored features are current


def test_score_says_when_messages_need_reading_again(cli: Callable[..., Result], session: Session) -> None:
    """Missing rows and rows another reading wrote are both named after `score`; current rows are not."""
    ann = contact(session, username="ann")
    for i, text in enumerate(["thanks so much!!", "i'm building a booking tool for dentists"]):
        message(session, contact=ann, text=text, days_ago=i + 1)
    session.commit()
    hint = "run `everreach features rebuild --stale`"
    assert hint in cli("score").stderr  # no feature rows at all
    assert cli("features", "rebuild").exit_code == 0
    done = cli("score")
    assert done.exit_code == 0, done.output
    assert hint not in done.stderr
    session.execute(MessageFeature.__table__.update().values(model_key="an older reading"))
    session.commit()
    assert hint in cli("score").stderr
