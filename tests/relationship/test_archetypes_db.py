"""Issue 14's acceptance on the archetype export, through import and `everreach score`, on both engines."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from everreach.db.engine import dispose_engines, make_engine
from everreach.db.migrate import upgrade
from tests.conftest import ENGINES, pg_scratch_database
from tests.relationship.archetype_run import USERNAMES, run_archetypes


def _buckets(read: Callable[..., Any]) -> dict[str, list[str]]:
    tasks: dict[str, list[str]] = read("tasks")
    return tasks


def _check_points(read: Callable[..., Any], *, warmer_allowed: bool = False) -> None:
    """The issue's points. `warmer_allowed`: the dormant friend may also rank above the stranger by standing in
    a warmer bucket (the packaged classifier finds more in the friend's old messages than the labels say)."""
    health = {u: read("health", u) for u in USERNAMES}
    assert health["maya.ortiz"]["score"] >= 60, health["maya.ortiz"]
    tasks = _buckets(read)
    rewarm = tasks["rewarm"]
    warmer = warmer_allowed and any("sam.okafor" in tasks[b] for b in ("micro_wins", "curiosity"))
    assert "sam.okafor" in rewarm or warmer, tasks
    if "sam.okafor" in rewarm:
        assert "mira.walks" not in rewarm or rewarm.index("sam.okafor") < rewarm.index("mira.walks"), rewarm
    else:
        assert health["sam.okafor"]["score"] > health["mira.walks"]["score"], (
            health["sam.okafor"],
            health["mira.walks"],
        )
    assert health["sam.okafor"]["components"]["resonance"] > health["mira.walks"]["components"]["resonance"]
    omar = read("evidence", "omar.haddad")
    kinds = {i["kind"] for i in omar["items"] if i["counts"]}
    assert {"promise", "promise_kept", "value_delivered"} <= kinds, kinds
    assert health["omar.haddad"]["components"]["reliability"] == 20
    assert all("crypto.king.fx" not in bucket for bucket in tasks.values()), tasks
    assert len({h["score"] for h in health.values()}) >= 6


def test_the_archetypes_meet_the_issue_points(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    read = run_archetypes(db_url, monkeypatch, labels=True)
    _check_points(read)
    dev = read("health", "dev.patel")
    assert dev["stage"] == "fit_repeats", dev
    steps = [row["to_stage"] for row in read("history", "dev.patel")]
    assert steps == ["context_captured", "micro_win_delivered", "cadence_established", "trust_signals", "fit_repeats"]
    assert read("health", "lena.k")["stage"] == "permissioned_offer"
    assert read("health", "nina.berg")["cadence"]["going_cold"]
    ivy = read("next", "ivy.chen")
    assert [a["action_key"] for a in ivy["actions"][:2]] == ["answer_question", "deliver_promise"]
    assert "promises_left_open" in {n["rule"] for n in read("coach", "ivy.chen")["notes"]}
    assert {"pitching_before_consent", "double_texting"} <= {n["rule"] for n in read("coach", "rhea.sol")["notes"]}


def test_with_the_packaged_classifier_the_points_hold(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same export read by the real classifier at import (no labels)."""
    read = run_archetypes(db_url, monkeypatch, labels=False)
    _check_points(read, warmer_allowed=True)


@pytest.mark.xfail(
    strict=True,
    reason="the packaged classifier reads dev.patel's forgotten follow-ups as three different fit signals "
    "(and misses the first), so the same signal is never seen on two days",
)
def test_with_the_packaged_classifier_the_repeating_pain_reaches_fit_repeats(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    read = run_archetypes(db_url, monkeypatch, labels=False)
    assert read("health", "dev.patel")["stage"] == "fit_repeats"


def _standings(url: str, monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    upgrade(make_engine(url))
    read = run_archetypes(url, monkeypatch, labels=True)
    rows = read("contacts", "--limit", "100")
    out = []
    for row in sorted(rows, key=lambda r: r["username"]):
        h = read("health", row["username"])
        out.append((row["username"], row["score"], row["stage"], row["lane"], h["components"], h["cadence"]))
    dispose_engines()
    return out


@pytest.mark.skipif(not {"sqlite", "postgresql"} <= set(ENGINES), reason="needs both engines")
def test_every_contact_scores_the_same_on_sqlite_and_postgresql(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_sqlite = _standings(f"sqlite:///{tmp_path / 'archetypes.db'}", monkeypatch)
    with pg_scratch_database("everreach_archetypes") as url:
        on_postgresql = _standings(url, monkeypatch)
    assert len(on_sqlite) == len(USERNAMES)
    assert on_sqlite == on_postgresql
