"""The relationship commands through the CLI runner."""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import Result

from tests.relationship.factories import contact, message


def test_record_then_read_as_json(cli: Callable[..., Result], engine: Engine) -> None:
    assert cli("seed").exit_code == 0
    with Session(engine) as session:
        c = contact(session, username="sarah")
        message(session, contact=c, text="honestly i always forget to follow up w people", days_ago=-1)
        session.commit()
    assert "recomputed 1 contact " in cli("score").output
    assert cli("context", "@sarah", "--building", "a gym app", "--friction", "follow ups").exit_code == 0
    assert cli("value", "sarah", "link", "sent a guide").exit_code == 0
    health = json.loads(cli("health", "sarah", "--json").output)
    assert set(health) >= {"username", "display_name", "score", "stage", "lane", "components", "reasons"}
    assert set(health["components"]) == {
        "recency", "resonance", "need_clarity", "value_delivered", "reliability", "consent_level",
    }  # fmt: skip
    assert health["stage"] == "micro_win_delivered"
    nxt = json.loads(cli("next", "sarah", "--json").output)
    assert nxt["lane"]
    assert len(nxt["actions"]) <= 3
    hits = json.loads(cli("search", "FORGET", "--json").output)
    assert [set(h) for h in hits] == [{"username", "text", "is_outbound", "sent_at"}]
    signals = json.loads(cli("fit-signals", "--json").output)
    assert {s["signal_key"]: s["matches"] for s in signals}["follow_up_messy"] == 1
    assert json.loads(cli("history", "sarah", "--json").output)[-1]["to_stage"] == "micro_win_delivered"
    assert cli("stage", "sarah", "first_touch", "--reason", "too early").exit_code == 0
    assert json.loads(cli("contacts", "--stage", "first_touch", "--json").output)[0]["username"] == "sarah"
    for command in (("tasks", "--json"), ("attention", "--json"), ("fit-matches", "sarah", "--json")):
        assert cli(*command).exit_code == 0, command
    missing = cli("health", "nobody")
    assert missing.exit_code == 1
    assert "unknown contact @nobody" in missing.output
    bad = cli("value", "sarah", "gift", "x")
    assert bad.exit_code == 1
    assert "value kind" in bad.output
