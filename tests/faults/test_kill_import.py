"""kill -9 during `import` at 20 seeded random points: the database stays consistent, a rerun is exact."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from everreach.db.engine import make_engine
from everreach.ingest import import_export
from everreach.ingest.synthetic import SyntheticManifest, generate_export
from tests.faults.common import KillPoints, assert_consistent, counts, reset, run_and_kill

#: Trials that really killed the import mid-way (a child that finished first does not count).
KILLS = 20


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SyntheticManifest]:
    """A small synthetic export (a few hundred messages over a dozen threads)."""
    folder = tmp_path_factory.mktemp("faults") / "export"
    return folder, generate_export(folder, threads=12, messages=360, seed=11)


def _import_in_child(db_url: str, folder: Path, owner: str) -> None:
    eng = make_engine(db_url)
    import_export(eng, folder, owner=owner, batch_rows=40)


def test_kill_during_import(db_url: str, engine: Engine, export: tuple[Path, SyntheticManifest]) -> None:
    folder, manifest = export
    clean = import_export(engine, folder, owner=manifest.owner, batch_rows=40)
    assert clean.ok
    reference = counts(engine)
    assert reference["instagram_messages"] == clean.messages_new > 0
    whole_runs: list[float] = []  # in forked children, like the trials', after the warm run above
    for _ in range(3):
        reset(engine)
        elapsed = run_and_kill(lambda: _import_in_child(db_url, folder, manifest.owner), after=None)
        assert elapsed is not None
        assert counts(engine) == reference
        whole_runs.append(elapsed)

    points = KillPoints(20240229, whole_runs)
    killed = trials = 0
    while killed < KILLS:
        trials += 1
        assert trials <= 3 * KILLS, f"only {killed} of {trials} trials killed the import mid-way"
        reset(engine)
        delay = points.next()
        finished = run_and_kill(lambda: _import_in_child(db_url, folder, manifest.owner), after=delay)
        if finished is None:
            killed += 1
        else:
            points.finished(finished)
        assert_consistent(engine)
        rerun = import_export(engine, folder, owner=manifest.owner, batch_rows=40)
        assert rerun.ok, rerun.files_with_errors
        assert counts(engine) == reference, f"trial {trials} (killed after {delay:.3f} s)"
        assert_consistent(engine)
