"""Import benchmark (issue 3): SQLite throughput vs raw executemany, memory 100k vs 1M, re-import, PG vs COPY.

Every import runs in a subprocess (the figure is measured inside it, around `import_export`), so its peak
RSS (`resource.getrusage`) is the importer's own. Baselines write the very rows the importer wrote (read back
from its database, untimed) into a freshly migrated database with the same tables, indexes and triggers.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import Figure, data_path, engine_url

AREA = "ingest"
TABLES = {
    "instagram_contacts": "id, instagram_username, display_name, total_messages_sent, total_messages_received, "
    "last_meaningful_touch, tags, created_at, updated_at",
    "instagram_conversations": "id, contact_id, thread_id, last_message_at, last_message_preview, "
    "last_message_is_outbound, tab, is_archived, created_at, updated_at",
    "instagram_messages": "id, conversation_id, contact_id, message_text, message_type, is_outbound, sent_at, raw_data",
}
_CHILD = """
import json, sys, time
from pathlib import Path
from everreach.db.engine import make_engine
from everreach.ingest import import_export
engine = make_engine(sys.argv[1])
start = time.perf_counter()
summary = import_export(engine, Path(sys.argv[2]))
seconds = time.perf_counter() - start
# VmHWM, not ru_maxrss: ru_maxrss survives exec, so it would count the forking parent's pages.
with open("/proc/self/status") as f:
    peak_mb = next(int(line.split()[1]) for line in f if line.startswith("VmHWM")) / 1024
print(json.dumps({"seconds": seconds, "maxrss_mb": peak_mb,
                  "new": summary.messages_new, "duplicate": summary.messages_duplicate, "ok": summary.ok}))
"""


def _log(message: str) -> None:
    print(f"  [ingest] {message}", file=sys.stderr, flush=True)


def _export(threads: int, messages: int) -> Path:
    """A synthetic export under bench/data/, generated once and reused."""
    from everreach.ingest.synthetic import generate_export

    folder = data_path(f"ingest-export-{threads}-{messages}")
    marker = data_path(f"ingest-export-{threads}-{messages}.manifest.json")
    if not marker.exists():
        # Generated aside and renamed, so a concurrent bench run never reads a half-written export.
        scratch = data_path(f"ingest-export-{threads}-{messages}.tmp-{os.getpid()}")
        _log(f"generating {messages:,} messages / {threads:,} threads ...")
        manifest = generate_export(scratch, threads=threads, messages=messages, seed=1)
        shutil.rmtree(folder, ignore_errors=True)
        scratch.rename(folder)
        marker.write_text(manifest.model_dump_json())
    return folder


def _drop_sqlite(*urls: str) -> None:
    """Delete benchmark SQLite files (a 1M-message database is hundreds of MB)."""
    for url in urls:
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)


def _name(base: str) -> str:
    """A per-process database name, so two bench runs never share (and delete) each other's files."""
    return f"{base}_{os.getpid()}"


def _migrate(url: str) -> None:
    from everreach.db.engine import make_engine
    from everreach.db.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()


def _child_import(url: str, export: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, url, str(export)], check=True, capture_output=True, text=True
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    _log(f"import: {result}")
    if not result["ok"]:
        raise RuntimeError(f"import of {export} reported file errors")
    return result


def _sqlite_raw_seconds(source_url: str, target_url: str) -> tuple[float, int]:
    """executemany of the importer's rows into a fresh migrated SQLite file; only the writes are timed."""
    source = sqlite3.connect(source_url.removeprefix("sqlite:///"))
    target = sqlite3.connect(target_url.removeprefix("sqlite:///"), isolation_level=None)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
        target.execute(f"PRAGMA {pragma}")
    timed = 0.0
    rows_written = 0
    target.execute("BEGIN")
    for table, columns in TABLES.items():
        marks = ", ".join("?" * len(columns.split(",")))
        cursor = source.execute(f"SELECT {columns} FROM {table} ORDER BY rowid")
        while chunk := cursor.fetchmany(20_000):
            start = time.perf_counter()
            target.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", chunk)
            timed += time.perf_counter() - start
            rows_written += len(chunk) if table == "instagram_messages" else 0
    start = time.perf_counter()
    target.execute("COMMIT")
    timed += time.perf_counter() - start
    source.close()
    target.close()
    return timed, rows_written


def pg_copy_seconds(
    source_url: str, target_url: str, dump_dir: Path, tables: dict[str, str] | None = None
) -> tuple[float, int]:
    """COPY of the importer's rows of `tables` (default: the seed tables it writes; dumped to files first,
    untimed) into a fresh migrated PostgreSQL database: seconds, and the messages in the source."""
    import psycopg

    tables = TABLES if tables is None else tables
    dump_dir.mkdir(parents=True, exist_ok=True)
    with psycopg.connect(source_url) as conn, conn.cursor() as cur:
        for table, columns in tables.items():
            with (dump_dir / f"{table}.copy").open("wb") as fh, cur.copy(f"COPY {table} ({columns}) TO STDOUT") as copy:
                for block in copy:
                    fh.write(block)
        rows = cur.execute("SELECT count(*) FROM instagram_messages").fetchone()
    with psycopg.connect(target_url) as conn, conn.cursor() as cur:
        start = time.perf_counter()
        for table, columns in tables.items():
            with (
                (dump_dir / f"{table}.copy").open("rb") as fh,
                cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                while block := fh.read(1 << 20):
                    copy.write(block)
        conn.commit()
        seconds = time.perf_counter() - start
    shutil.rmtree(dump_dir, ignore_errors=True)
    return seconds, int(rows[0]) if rows else 0


def run(*, quick: bool) -> list[Figure]:
    """Figures for the import: throughput, memory, re-import, PostgreSQL."""
    from bench.common import bench_engines

    big = (400, 20_000) if quick else (20_000, 1_000_000)
    small = (100, 5_000) if quick else (2_000, 100_000)
    big_export, small_export = _export(*big), _export(*small)
    label, small_label = f"{big[1] // 1000}k", f"{small[1] // 1000}k"
    figures: list[Figure] = []
    engines = bench_engines()
    if "sqlite" in engines:
        figures += _sqlite_figures(big_export, small_export, label, small_label)
    if "postgresql" in engines:
        figures += _pg_figures(big_export, label)
    return figures


def _sqlite_figures(big_export: Path, small_export: Path, label: str, small_label: str) -> list[Figure]:
    figures: list[Figure] = []
    with engine_url("sqlite", _name("ingest-ours")) as ours, engine_url("sqlite", _name("ingest-raw")) as raw:
        _migrate(ours)
        _migrate(raw)
        try:
            first = _child_import(ours, big_export)
            again = _child_import(ours, big_export)
            raw_seconds, rows = _sqlite_raw_seconds(ours, raw)
        finally:
            _drop_sqlite(ours, raw)
    ours_rate, raw_rate = first["new"] / first["seconds"], rows / raw_seconds
    figures.append(
        Figure(AREA, f"import {label} msgs (msgs/s)", "sqlite", ours_rate, "msg/s", "raw sqlite3 executemany",
               raw_rate, ">= 0.5", ours_rate / raw_rate >= 0.5, ours_rate / raw_rate,
               f"import {first['seconds']:.1f}s, raw {raw_seconds:.1f}s for the same {rows:,} message rows")
    )  # fmt: skip
    ok_again = again["seconds"] <= first["seconds"] and again["new"] == 0
    figures.append(
        Figure(AREA, f"re-import {label} (s)", "sqlite", again["seconds"], "s", "first import", first["seconds"],
               "<= 1.0 and 0 new", ok_again, again["seconds"] / first["seconds"],
               f"{again['new']} new, {again['duplicate']:,} duplicate")
    )  # fmt: skip
    with engine_url("sqlite", _name("ingest-small")) as small_url:
        _migrate(small_url)
        try:
            small = _child_import(small_url, small_export)
        finally:
            _drop_sqlite(small_url)
    flat = first["maxrss_mb"] / small["maxrss_mb"]
    figures.append(
        Figure(AREA, f"peak RSS {label} vs {small_label} (MB)", "sqlite", first["maxrss_mb"], "MB",
               f"peak RSS {small_label}", small["maxrss_mb"], "< 300 MB, <= 1.5x",
               first["maxrss_mb"] < 300 and flat <= 1.5, flat, "measured in the import subprocess")
    )  # fmt: skip
    return figures


def _pg_figures(big_export: Path, label: str) -> list[Figure]:
    with (
        engine_url("postgresql", _name("ingest_ours")) as ours,
        engine_url("postgresql", _name("ingest_copy")) as copy_url,
    ):
        _migrate(ours)
        _migrate(copy_url)
        first = _child_import(ours, big_export)
        copy_seconds, rows = pg_copy_seconds(ours, copy_url, data_path(_name("ingest-pg-dump")))
    ours_rate, copy_rate = first["new"] / first["seconds"], rows / copy_seconds
    return [
        Figure(AREA, f"import {label} msgs (msgs/s)", "postgresql", ours_rate, "msg/s", "COPY of the same rows",
               copy_rate, ">= 0.5", ours_rate / copy_rate >= 0.5, ours_rate / copy_rate,
               f"import {first['seconds']:.1f}s, COPY {copy_seconds:.1f}s for {rows:,} message rows")
    ]  # fmt: skip
