"""Signals a user adds or edits are recognised at once; detect shows matches in words a person reads."""

from __future__ import annotations

import json
from collections.abc import Callable

from typer.testing import Result


def _signal_keys(cli: Callable[..., Result], text: str) -> set[str]:
    result = cli("detect", text, "--json")
    assert result.exit_code == 0, result.output
    return {m["key"] for m in json.loads(result.output)["matches"] if m["kind"] == "fit_signal"}


def test_a_new_signal_matches_a_paraphrase_and_not_a_near_miss(cli: Callable[..., Result]) -> None:
    assert cli("seed").exit_code == 0
    added = cli(
        "fit-signals", "add", "greenthumb", "plants_dying", "My houseplants keep dying",
        "--phrase", "i kill every plant i buy", "--phrase", "my plants always die",
        "--phrase", "i can't keep a plant alive",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "added greenthumb plants_dying with 3 example phrases" in added.output
    assert "plants_dying" in _signal_keys(cli, "every plant i own ends up dead")
    assert "plants_dying" not in _signal_keys(cli, "my plants are thriving this spring")


def test_edit_and_turn_off(cli: Callable[..., Result]) -> None:
    assert cli("seed").exit_code == 0
    assert (
        cli("fit-signals", "add", "greenthumb", "plants_dying", "My plants keep dying", "--phrase", "x y").exit_code
        == 0
    )
    edited = cli("fit-signals", "edit", "greenthumb", "plants_dying", "--phrase", "my plants die", "--remove", "x y")
    assert edited.exit_code == 0, edited.output
    assert "now has 1 example phrases" in edited.output
    assert cli("fit-signals", "edit", "greenthumb", "plants_dying", "--inactive").exit_code == 0
    listed = json.loads(cli("fit-signals", "--json").output)
    assert "plants_dying" not in {s["signal_key"] for s in listed}
    assert "plants_dying" not in _signal_keys(cli, "my plants keep dying")


def test_clear_errors(cli: Callable[..., Result]) -> None:
    assert cli("seed").exit_code == 0
    again = cli("fit-signals", "add", "everreach", "follow_up_messy", "dup", "--phrase", "a b")
    assert again.exit_code == 1
    assert "already has a fit signal called follow_up_messy" in again.output
    missing = cli("fit-signals", "edit", "nope", "nothing", "--phrase", "a b")
    assert missing.exit_code == 1
    assert "nope has no fit signal called nothing" in missing.output


def test_detect_in_words(cli: Callable[..., Result]) -> None:
    assert cli("seed").exit_code == 0
    result = cli("detect", "what do you think of my new logo?")
    assert result.exit_code == 0
    assert result.output.startswith("Asks your opinion \u2014 ")
    assert "%, closest to \u201c" in result.output
    assert cli("detect", "lol").output.strip() == "Nothing recognised in this message."
    outbound = json.loads(cli("detect", "i'll send you the guide tonight", "--outbound", "--json").output)
    assert [m["key"] for m in outbound["matches"]] == ["promise"]
