"""Import with message understanding on (issue 14): throughput vs a raw insert of the same rows, and memory.

The importer now reads every new message into message_features (text features, and intents and fit signals
from one classify call per batch) inside the batch's transaction. Each import runs in a subprocess over a
database seeded with the default fit signals; its peak RSS is the subprocess's VmHWM. Baselines, timed in the
same run: `executemany` (SQLite) and `COPY` (PostgreSQL) of the very rows the import wrote to the seed tables
(contacts, conversations, messages) into a freshly migrated database with the same indexes and triggers,
without features (bench/ingest.py's baselines). A note gives the classify and feature-writing share of the
import, measured in the same subprocess.

Quick: 100,000 messages (memory against 20,000). Full: 1,000,000 (memory against 100,000).
Targets: import >= 0.5x the raw insert (SQLite) and >= 0.5x COPY (PostgreSQL); peak RSS < 400 MB, and the
big import's peak at most 1.5x the small one's (flat).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.common import Figure, bench_engines, data_path, engine_url
from bench.ingest import _drop_sqlite, _export, _migrate, _name, _pg_copy_seconds, _sqlite_raw_seconds

AREA = "import_features"
RSS_LIMIT_MB = 400
FLAT = 1.5
_CHILD = """
import json, sys, time
from pathlib import Path
from everreach.db.engine import make_engine
from everreach.ingest import import_export
from everreach.messages.writer import features as feature_writer
spent = [0.0]
write = feature_writer.FeatureWriter.write
def timed_write(self, *args):
    start = time.perf_counter()
    try:
        return write(self, *args)
    finally:
        spent[0] += time.perf_counter() - start
feature_writer.FeatureWriter.write = timed_write
engine = make_engine(sys.argv[1])
start = time.perf_counter()
summary = import_export(engine, Path(sys.argv[2]))
seconds = time.perf_counter() - start
with engine.connect() as conn:
    stored = conn.exec_driver_sql("SELECT count(*) FROM message_features").scalar()
with open("/proc/self/status") as f:
    peak = next(int(line.split()[1]) for line in f if line.startswith("VmHWM")) / 1024
print(json.dumps({"seconds": seconds, "features_seconds": spent[0], "peak_mb": peak, "new": summary.messages_new,
                  "features": stored, "ok": summary.ok}))
"""


def _log(message: str) -> None:
    print(f"  [{AREA}] {message}", file=sys.stderr, flush=True)


def _seeded(url: str) -> None:
    """Migrate and load the default fit signals (what `everreach seed` does)."""
    from everreach.db.engine import make_engine, session_scope
    from everreach.seed.defaults import seed_defaults

    _migrate(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        seed_defaults(session)
    engine.dispose()


def _child_import(url: str, export: Path) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", _CHILD, url, str(export)], check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    _log(f"import: {result}")
    if not result["ok"] or result["features"] < result["new"]:
        raise RuntimeError(f"import of {export} failed or stored too few features: {result}")
    return result


def _throughput(engine: str, label: str, ours: dict[str, Any], base_seconds: float, rows: int) -> Figure:
    ours_rate, base_rate = ours["new"] / ours["seconds"], rows / base_seconds
    base_name = "raw sqlite3 executemany" if engine == "sqlite" else "COPY of the same rows"
    share = ours["features_seconds"] / ours["seconds"]
    return Figure(
        AREA, f"import {label} msgs with understanding (msgs/s)", engine, ours_rate, "msg/s", base_name, base_rate,
        ">= 0.5", ours_rate / base_rate >= 0.5, ours_rate / base_rate,
        f"import {ours['seconds']:.1f}s (features {ours['features_seconds']:.1f}s, {share:.0%}), baseline "
        f"{base_seconds:.1f}s for the same {rows:,} message rows",
    )  # fmt: skip


def _memory(engine: str, big_label: str, small_label: str, big: dict[str, Any], small: dict[str, Any]) -> Figure:
    flat = big["peak_mb"] / small["peak_mb"]
    return Figure(
        AREA, f"peak RSS {big_label} vs {small_label} (MB)", engine, big["peak_mb"], "MB", f"peak RSS {small_label}",
        small["peak_mb"], f"< {RSS_LIMIT_MB} MB, <= {FLAT}x", big["peak_mb"] < RSS_LIMIT_MB and flat <= FLAT, flat,
        "VmHWM of the import subprocess",
    )  # fmt: skip


def _sqlite(big: Path, small: Path, label: str, small_label: str) -> list[Figure]:
    with (
        engine_url("sqlite", _name("features-ours")) as ours,
        engine_url("sqlite", _name("features-raw")) as raw,
        engine_url("sqlite", _name("features-small")) as small_url,
    ):
        try:
            _seeded(ours)
            _migrate(raw)
            _seeded(small_url)
            first = _child_import(ours, big)
            raw_seconds, rows = _sqlite_raw_seconds(ours, raw)
            little = _child_import(small_url, small)
        finally:
            _drop_sqlite(ours, raw, small_url)
    return [
        _throughput("sqlite", label, first, raw_seconds, rows),
        _memory("sqlite", label, small_label, first, little),
    ]


def _postgresql(big: Path, small: Path, label: str, small_label: str) -> list[Figure]:
    with (
        engine_url("postgresql", _name("features_ours")) as ours,
        engine_url("postgresql", _name("features_copy")) as copy_url,
        engine_url("postgresql", _name("features_small")) as small_url,
    ):
        _seeded(ours)
        _migrate(copy_url)
        _seeded(small_url)
        first = _child_import(ours, big)
        copy_seconds, rows = _pg_copy_seconds(ours, copy_url, data_path(_name("features-pg-dump")))
        little = _child_import(small_url, small)
    return [
        _throughput("postgresql", label, first, copy_seconds, rows),
        _memory("postgresql", label, small_label, first, little),
    ]


def run(*, quick: bool) -> list[Figure]:
    """Import with understanding vs raw insert and COPY; peak RSS big vs small."""
    big = (2_000, 100_000) if quick else (20_000, 1_000_000)
    small = (400, 20_000) if quick else (2_000, 100_000)
    big_export, small_export = _export(*big), _export(*small)
    label, small_label = (f"{n // 1000}k" if n < 1_000_000 else f"{n // 1_000_000}M" for n in (big[1], small[1]))
    figures: list[Figure] = []
    engines = bench_engines()
    if "sqlite" in engines:
        figures += _sqlite(big_export, small_export, label, small_label)
    if "postgresql" in engines:
        figures += _postgresql(big_export, small_export, label, small_label)
    return figures
