"""The catalog services that the CLI, the API and the dashboard all call."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session
from typer.testing import Result

from everreach.catalog import service as catalog
from everreach.catalog.schemas import FitSignalCreate, FitSignalUpdate, PatternCreate
from everreach.errors import ValidationError
from everreach.seed.defaults import seed_defaults


def test_fit_signal_phrases_are_cleaned_and_replaced(session: Session) -> None:
    made = catalog.add_fit_signal(
        session,
        data=FitSignalCreate(product="coach", signal_key="stuck", signal_description="feels stuck",
                             phrases=[" in a rut ", "stuck", "stuck", " "]),
    )  # fmt: skip
    assert made.phrases == ["in a rut", "stuck"]
    changed = catalog.update_fit_signal(session, signal_id=made.id, data=FitSignalUpdate(phrases=["plateau"]))
    assert changed.phrases == ["plateau"]
    assert [s.phrases for s in catalog.list_fit_signals(session) if s.id == made.id] == [["plateau"]]


def test_a_pattern_key_is_taken_once(session: Session) -> None:
    data = PatternCreate(pattern_type="spam_pattern", pattern_key="crypto", pattern_value="crypto, invest now")
    catalog.add_pattern(session, data=data)
    with pytest.raises(ValidationError, match="already exists"):
        catalog.add_pattern(session, data=data)


def test_cli_lists_what_the_service_lists(cli: Callable[..., Result], session: Session) -> None:
    seed_defaults(session)
    session.commit()
    listed = json.loads(cli("seed", "--list", "template", "--json").stdout)
    assert [r["key"] for r in listed] == [f"{t.lane}/{t.action_key}" for t in catalog.list_templates(session)]
