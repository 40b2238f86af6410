"""`make run`'s sample data (the synthetic export, imported and scored) fills every Today bucket and the pipeline."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from typer.testing import Result


def test_the_sample_export_fills_every_bucket_and_five_stages(cli: Callable[..., Result], tmp_path: Path) -> None:
    export = tmp_path / "sample"
    made: dict[str, int] = {}
    for args in (
        ("seed",),
        ("dev", "synth-export", str(export), "--threads", "60", "--messages", "3000", "--seed", "7", "--json"),
        ("import", str(export)),
        ("score",),
    ):
        done = cli(*args)
        assert done.exit_code == 0, done.output
        if "synth-export" in args:
            made = json.loads(done.output)
    tasks = json.loads(cli("tasks", "--json").output)
    assert all(tasks[bucket] for bucket in ("micro_wins", "curiosity", "rewarm", "offers")), tasks
    contacts = json.loads(cli("contacts", "--json", "--limit", "100").output)
    assert len(contacts) == made["threads"] - made["group_threads"]  # a group thread is not a contact
    stages = {row["stage"] for row in contacts}
    assert len(stages) >= 5, stages
    assert len({row["score"] for row in contacts}) >= 10
