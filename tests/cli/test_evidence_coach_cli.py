"""`everreach evidence` (list, dismiss, confirm) and `everreach coach` through the CLI runner."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import Result

from tests.relationship.factories import contact, message

NOW = datetime.now(UTC)


def _ivy(engine: Engine) -> None:
    with Session(engine) as session:
        c = contact(session, username="ivy")
        message(session, contact=c, text="could you introduce me to someone who does seo?", days_ago=30, now=NOW,
                intents=("asks_for_help",))  # fmt: skip
        message(session, contact=c, text="yes! i'll introduce you two this week", days_ago=29.9, out=True, now=NOW,
                intents=("promise",))  # fmt: skip
        message(session, contact=c, text="any news on that intro?", days_ago=10, now=NOW, intents=())
        session.commit()


def test_evidence_lists_dismisses_and_confirms(cli: Callable[..., Result], engine: Engine) -> None:
    _ivy(engine)
    assert cli("score").exit_code == 0
    shown = cli("evidence", "@ivy").output
    assert "Evidence read from the messages of @ivy: 3 items" in shown
    assert "promise not kept" in shown
    assert "“yes! i'll introduce you two this week”" in shown
    items = json.loads(cli("evidence", "ivy", "--json").output)["items"]
    assert [i["kind"] for i in items] == ["consent", "promise", "promise_broken"]
    before = json.loads(cli("health", "ivy", "--json").output)["components"]["reliability"]
    assert before == 0
    done = cli("evidence", "dismiss", "ivy", items[1]["id"])
    assert done.exit_code == 0
    assert "dismissed promise of " in done.output
    assert "it no longer counts" in done.output
    assert json.loads(cli("health", "ivy", "--json").output)["components"]["reliability"] == 10
    assert "confirmed promise" in cli("evidence", "confirm", "ivy", "2").output
    assert json.loads(cli("health", "ivy", "--json").output)["components"]["reliability"] == 0
    missing = cli("evidence", "dismiss", "ivy", "7")
    assert missing.exit_code == 1
    assert "@ivy has 3 evidence items: 7 is not one of them" in missing.output
    assert "unknown contact @nobody" in cli("evidence", "nobody").output


def test_coach_names_each_point_with_its_messages(cli: Callable[..., Result], engine: Engine) -> None:
    _ivy(engine)
    out = cli("coach", "ivy").output
    assert "@ivy: 2 points on your 1 message" in out
    assert "1. Answering their questions:" in out
    assert "2. Promises left open: You promised “yes! i'll introduce you two this week”" in out
    assert "they: “any news on that intro?”" in out
    notes = json.loads(cli("coach", "ivy", "--json").output)["notes"]
    assert [n["rule"] for n in notes] == ["slow_replies", "promises_left_open"]
    with Session(engine) as session:
        contact(session, username="quiet")
        session.commit()
    assert "nothing to point out in your 0 messages to them" in cli("coach", "quiet").output
