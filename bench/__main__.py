"""`make bench`: run every benchmark module, print one table, write bench/results/latest.json.

Each module in BENCHMARKS exposes `run(*, quick: bool) -> list[Figure]`. `--quick` uses small data sets
(for a smoke run); `--only AREA` runs one area.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time
from pathlib import Path

from bench.common import Figure

BENCHMARKS = ("bench.ingest", "bench.relationship", "bench.outreach", "bench.api_load")
RESULTS = Path(__file__).parent / "results"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="small data sets (smoke run)")
    parser.add_argument("--only", action="append", default=[], help="run only these areas (e.g. ingest)")
    args = parser.parse_args()
    figures: list[Figure] = []
    for module_name in BENCHMARKS:
        area = module_name.rsplit(".", 1)[1]
        if args.only and area not in args.only:
            continue
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        print(f"== {area}", file=sys.stderr, flush=True)
        figures.extend(module.run(quick=args.quick))
    _print_table(figures)
    RESULTS.mkdir(exist_ok=True)
    payload = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "quick": args.quick,
        "figures": [f.as_dict() for f in figures],
    }
    (RESULTS / ("latest-quick.json" if args.quick else "latest.json")).write_text(
        json.dumps(payload, indent=2)
    )
    return 0 if all(f.ok for f in figures) else 1


def _print_table(figures: list[Figure]) -> None:
    header = ("area", "figure", "engine", "value", "baseline", "ratio", "target", "ok")
    rows = [
        (
            f.area,
            f.name,
            f.engine,
            f"{f.value:,.2f} {f.unit}",
            f"{f.baseline_name} {f.baseline_value:,.2f}",
            f"{f.ratio:.2f}",
            f.target,
            "yes" if f.ok else "NO",
        )
        for f in figures
    ]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print(" | ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    raise SystemExit(main())
