"""`make bench`: run every benchmark module, print one table, write bench/results/.

Each module in BENCHMARKS exposes `run(*, quick: bool) -> list[Figure]` and generates its own data sets
under bench/data/. `--quick` uses small data sets (about a minute per area); `--only AREA` runs one area;
EVERREACH_BENCH_ENGINES=sqlite narrows the engines. A module that fails is reported as a failed row and the
run goes on; the exit code is 1 when any figure misses its target or any area fails.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time
import traceback
from pathlib import Path

from bench.common import Figure, bench_engines

BENCHMARKS = (
    "bench.ingest",
    "bench.import_features",
    "bench.relationship",
    "bench.outreach",
    "bench.api_load",
    "bench.understanding",
    "bench.pages",
    "bench.cli_start",
)
RESULTS = Path(__file__).parent / "results"
HEADER = ("area", "figure", "engine", "value", "same-run baseline", "ratio", "target", "ok")


def main() -> int:
    """Run the selected areas and report."""
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="small data sets (smoke run)")
    parser.add_argument("--only", action="append", default=[], help="run only these areas (e.g. ingest)")
    args = parser.parse_args()
    unknown = [a for a in args.only if f"bench.{a}" not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown area {unknown[0]!r}; areas: {', '.join(m[6:] for m in BENCHMARKS)}")
    figures: list[Figure] = []
    failures: dict[str, str] = {}
    seconds: dict[str, float] = {}
    for module_name in BENCHMARKS:
        area = module_name.rsplit(".", 1)[1]
        if args.only and area not in args.only:
            continue
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                print(f"== {area}: no benchmark module yet, skipped", file=sys.stderr, flush=True)
                continue
            raise
        print(f"== {area} ({'quick' if args.quick else 'full'})", file=sys.stderr, flush=True)
        start = time.perf_counter()
        try:
            figures.extend(module.run(quick=args.quick))
        except Exception as exc:  # one broken area must not hide the others' figures
            traceback.print_exc(file=sys.stderr)
            failures[area] = f"{type(exc).__name__}: {exc}"
        seconds[area] = round(time.perf_counter() - start, 1)
        print(f"== {area} done in {seconds[area]} s", file=sys.stderr, flush=True)
    rows = table_rows(figures, failures)
    print(render_text(rows))
    _write_results(args.quick, figures, failures, seconds, rows)
    return 0 if not failures and all(f.ok for f in figures) else 1


def table_rows(figures: list[Figure], failures: dict[str, str]) -> list[tuple[str, ...]]:
    """One row per figure (and per failed area), as strings."""
    rows = [
        (
            f.area,
            f.name,
            f.engine,
            f"{f.value:,.2f} {f.unit}",
            f"{f.baseline_name} {f.baseline_value:,.2f}",
            f"{f.ratio:,.2f}",
            f.target,
            "yes" if f.ok else "NO",
        )
        for f in figures
    ]
    rows.extend((area, f"FAILED: {error}"[:100], "-", "-", "-", "-", "-", "NO") for area, error in failures.items())
    return rows


def render_text(rows: list[tuple[str, ...]]) -> str:
    """A plain aligned table."""
    widths = [max(len(r[i]) for r in [HEADER, *rows]) for i in range(len(HEADER))]
    lines = [" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in [HEADER, *rows]]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def render_markdown(rows: list[tuple[str, ...]]) -> str:
    """The same table as Markdown (pasted into the README)."""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _write_results(
    quick: bool,
    figures: list[Figure],
    failures: dict[str, str],
    seconds: dict[str, float],
    rows: list[tuple[str, ...]],
) -> None:
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    payload = {
        "when": stamp,
        "mode": "quick" if quick else "full",
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
        },
        "engines": bench_engines(),
        "seconds_per_area": seconds,
        "failures": failures,
        "figures": [f.as_dict() for f in figures],
    }
    name = "latest-quick" if quick else "latest"
    text = json.dumps(payload, indent=2)
    (RESULTS / f"{name}.json").write_text(text)
    (RESULTS / f"{name}.md").write_text(render_markdown(rows) + "\n")
    print(f"results: {RESULTS / (name + '.json')}, {RESULTS / (name + '.md')}", file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
