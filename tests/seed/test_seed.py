"""`everreach seed`: default counts, idempotence, known handles files, listing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from everreach.db.models import AutomationPattern, FitSignal, NextBestAction
from everreach.errors import ValidationError
from everreach.seed.defaults import load_defaults, seed_defaults
from everreach.seed.handles import parse_handles, upsert_handles


def _counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(AutomationPattern.pattern_type, func.count()).group_by(AutomationPattern.pattern_type)
    ).all()
    counts: dict[str, int] = {kind: n for kind, n in rows}  # noqa: C416
    counts["template"] = session.scalar(select(func.count()).select_from(NextBestAction)) or 0
    counts["fit_signal"] = session.scalar(select(func.count()).select_from(FitSignal)) or 0
    return counts


def test_seed_loads_the_spec_counts_and_is_idempotent(session: Session) -> None:
    first = seed_defaults(session)
    session.commit()
    assert first.added == {
        "selector": 17,
        "skip_pattern": 5,
        "spam_pattern": 3,
        "template": 20,
        "fit_signal": 13,
    }
    second = seed_defaults(session)
    session.commit()
    assert second.added == {}
    assert _counts(session) == {
        "selector": 17,
        "skip_pattern": 5,
        "spam_pattern": 3,
        "template": 20,
        "fit_signal": 13,
    }


def test_spec_examples_are_among_the_defaults() -> None:
    data = load_defaults()
    templates = {(t["lane"], t["stage"], t["key"]): t["text"] for t in data["template"]}
    assert templates[("friendship", "any", "check_in")] == "yo—how'd that thing go from last week?"
    assert templates[("service", "context", "permission_to_help")] == "want ideas or just want to vent?"
    assert ("offer", "fit_repeats", "permissioned_offer") in templates
    assert ("retention", "post_win", "post_win_care") in templates
    assert ("rewarm", "cold", "low_friction") in templates
    signals = {(s["product"], s["key"]): s for s in data["fit_signal"]}
    assert signals[("everreach", "follow_up_messy")]["description"] == "I keep forgetting to follow up"
    assert {p for p, _ in signals} == {"everreach", "matrixloop", "keywordradar", "services"}
    skip = {p["key"]: p["value"] for p in data["skip_pattern"]}
    assert skip["date_pattern"] == r"^\d{1,2}/\d{1,2}/\d{2}"


def test_seed_keeps_user_edits(session: Session) -> None:
    seed_defaults(session)
    row = session.scalars(select(NextBestAction).where(NextBestAction.action_key == "check_in")).one()
    row.action_text = "my own words"
    session.commit()
    seed_defaults(session)
    session.commit()
    assert (
        session.scalars(select(NextBestAction.action_text).where(NextBestAction.action_key == "check_in")).one()
        == "my own words"
    )


def test_handles_csv_and_toml(tmp_path: Path) -> None:
    csv_file = tmp_path / "handles.csv"
    csv_file.write_text("username,display_name\n@SarahEAshley,Sarah Ashley\n\n# comment\nbob,Bob B\n", encoding="utf-8")
    assert parse_handles(csv_file) == {"saraheashley": "Sarah Ashley", "bob": "Bob B"}
    toml_file = tmp_path / "handles.toml"
    toml_file.write_text('[handles]\nsaraheashley = "Sarah Ashley"\n', encoding="utf-8")
    assert parse_handles(toml_file) == {"saraheashley": "Sarah Ashley"}


@pytest.mark.parametrize(
    ("name", "content", "where"),
    [
        ("bad.csv", "username,display_name\nalice\n", "line 2"),
        ("bad.toml", "[handles\n", "invalid TOML"),
        ("bad2.toml", "[handles]\nalice = 3\n", "handles.alice"),
        ("space.csv", "al ice,Alice\n", "line 1"),
    ],
)
def test_handles_file_errors_name_the_place(tmp_path: Path, name: str, content: str, where: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValidationError, match=where) as info:
        parse_handles(path)
    assert str(path) in str(info.value)


def test_upsert_handles_updates_names(session: Session) -> None:
    assert upsert_handles(session, {"a": "A", "b": "B"}) == (2, 0)
    assert upsert_handles(session, {"a": "A", "b": "Bee"}) == (0, 1)


def test_cli_seed_twice_and_list(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    handles = tmp_path / "h.csv"
    handles.write_text("saraheashley,Sarah Ashley\n", encoding="utf-8")
    seeded = cli("seed", "--handles", str(handles))
    assert seeded.exit_code == 0, seeded.output
    result = cli("seed", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["added"] == {}
    listed = json.loads(cli("seed", "--list", "known_handle", "--json").stdout)
    assert listed == [{"type": "known_handle", "key": "saraheashley", "value": "Sarah Ashley", "active": True}]
    assert len(json.loads(cli("seed", "--list", "template", "--json").stdout)) == 20
    bad = cli("seed", "--list", "nope")
    assert bad.exit_code == 1
    assert "unknown TYPE" in bad.stderr


def test_handles_csv_with_a_stray_carriage_return_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "cr.csv"
    path.write_bytes(b'alice,"Alice"\nbob,B\rob\n')
    with pytest.raises(ValidationError, match=r"cr\.csv: line 3: expected username,display_name"):
        parse_handles(path)
