"""CLI start-up: `everreach --help` and `everreach tasks --json` on the sample database, each against
`python -c "import typer, sqlalchemy"` measured in the same run.

The sample database is what `make run` builds (defaults seeded, a synthetic export of 60 threads and 3,000
messages imported, scores computed), on SQLite under bench/data/cli-start/. `tasks --json` is timed twice: with
`--db URL`, and as a user runs it, the database found from the configuration (EVERREACH_DATA_DIR
holding everreach.db, as the default data directory does). Each command runs as a fresh process with stdout
piped; the commands are interleaved run by run so machine load hits them alike, and each figure is the
median wall time of its runs. Target: each command at most 2x the baseline.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.common import Figure, data_path, fresh_sqlite_url

AREA = "cli_start"
TARGET = 2.0
BIN = Path(sys.executable).parent


def _everreach() -> list[str]:
    """The installed console script (what a person runs), else the module through this interpreter."""
    script = BIN / "everreach"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from everreach.cli import main; main()"]


def _sample_database() -> str:
    """A fresh copy of the `make run` sample database, bench/data/cli-start/everreach.db; returns its URL."""
    data_path("cli-start").mkdir(parents=True, exist_ok=True)
    url = fresh_sqlite_url("cli-start/everreach.db")
    export = data_path("cli-start-export")
    steps = (
        ["db", "upgrade"],
        ["seed"],
        ["dev", "synth-export", str(export), "--threads", "60", "--messages", "3000", "--seed", "7"],
        ["import", str(export)],
        ["score"],
    )
    for step in steps:
        subprocess.run([*_everreach(), "--db", url, *step], check=True, capture_output=True)
    return url


def _seconds(command: list[str]) -> float:
    env = None
    if command[0] == "env":  # ["env", "NAME=value", *command]
        name, value = command[1].split("=", 1)
        env, command = {**os.environ, name: value}, command[2:]
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def run(*, quick: bool) -> list[Figure]:
    """Median start-up time of each command next to the same-run baseline."""
    url = _sample_database()
    commands = {
        "baseline": [sys.executable, "-c", "import typer, sqlalchemy"],
        "everreach --help": [*_everreach(), "--help"],
        "everreach --db URL tasks --json (sample db)": [*_everreach(), "--db", url, "tasks", "--json"],
        "everreach tasks --json (sample db in the data dir)": [
            "env",
            f"EVERREACH_DATA_DIR={data_path('cli-start')}",
            *_everreach(),
            "tasks",
            "--json",
        ],
    }
    runs = 5 if quick else 15
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for command in commands.values():  # warm the file cache and bytecode once
        _seconds(command)
    for _ in range(runs):
        for name, command in commands.items():
            samples[name].append(_seconds(command))
    baseline = statistics.median(samples.pop("baseline")) * 1000
    figures = []
    for name, values in samples.items():
        value = statistics.median(values) * 1000
        figures.append(
            Figure(
                area=AREA,
                name=name,
                engine="sqlite",
                value=value,
                unit="ms",
                baseline_name="python -c 'import typer, sqlalchemy'",
                baseline_value=baseline,
                target=f"<= {TARGET:g}x",
                ok=value <= TARGET * baseline,
                notes=f"median of {runs} runs, stdout piped",
            )
        )
    return figures
