"""API under load at real rates: an open-loop minute at 200 requests/s of a realistic mix, and saturation.

A real uvicorn server on 127.0.0.1 (loopback only, one process, as `everreach serve`) serves a database of
100k contacts (quick: 10k) filled by bulk insert and settled (bench/api_data.py). Per engine, and in a full run
again with two server processes (`everreach serve --workers 2`, figures named "2 processes: ..."):
- open loop: Poisson arrivals at 200/s of the mix in bench/api_mix.py (tasks, contact detail, contacts list,
  search, one write in ten) for 60 s (quick: 10 s) after a warm-up; p99 per route and overall, target under
  50 ms with no errors; the same-run baseline is the trivial route (an unrouted 404) at the same rate, and a
  10/s trivial probe runs alongside the mix as a same-minute control;
- closed loop: 32 connections without pause for 20 s (quick: 5 s), first on the mix, then on the trivial
  route; the mix's throughput is reported as a ratio to the trivial route's.
Notes carry what explains a tail: the server's CPU per request, the machine's load, and on PostgreSQL the
checkpoints and autovacuum passes that ran during the minute.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import replace

from sqlalchemy import Engine, text

from bench.api_data import populate
from bench.api_drivers import Samples, closed_loop, open_loop
from bench.api_mix import WEIGHTS, Mix, Request, trivial
from bench.api_server import Server, serve
from bench.common import Figure, bench_engines, engine_url
from everreach.db.engine import make_engine
from everreach.db.migrate import upgrade

AREA = "api_load"
RATE = 200.0
TARGET_P99_MS = 50.0
CLIENTS = 32
PROBE_RATE = 10.0  # the trivial route sent alongside the mix (see bench.api_drivers.open_loop)
SEED = 7


def run(*, quick: bool) -> list[Figure]:
    """Measure every engine: the open-loop mix (overall and per route) and the closed-loop saturation."""
    contacts = 10_000 if quick else 100_000
    open_seconds, warmup, closed_seconds = (10.0, 3.0, 5.0) if quick else (60.0, 10.0, 20.0)
    figures: list[Figure] = []
    for engine_name in bench_engines():
        with engine_url(engine_name, f"api_load_{contacts}") as url:
            eng = make_engine(url)
            try:
                upgrade(eng)
                usernames = populate(eng, contacts=contacts)
                for workers in (1,) if quick else (1, 2):
                    with serve(url, workers=workers) as server:
                        found = _open_figures(server, eng, engine_name, usernames, open_seconds, warmup)
                        found += _closed_figures(server, engine_name, usernames, closed_seconds)
                    prefix = "" if workers == 1 else f"{workers} processes: "
                    figures += [replace(f, name=prefix + f.name) for f in found]
            finally:
                eng.dispose()
    return figures


def _open_figures(
    server: Server, eng: Engine, engine_name: str, usernames: list[str], seconds: float, warmup: float
) -> list[Figure]:
    baseline, _ = _open(server, trivial, seconds=min(seconds, 15.0), warmup=warmup / 2)
    mix = Mix(usernames, seed=SEED)
    before = _db_activity(eng)
    load_before = os.getloadavg()[0]
    cpu_before = server.cpu_seconds()
    result, probed = _open(server, mix.draw, seconds=seconds, warmup=warmup, probe=trivial)
    cpu = (server.cpu_seconds() - cpu_before) / max(1, result.answered + len(result.errors))
    during = {k: v - before.get(k, 0) for k, v in _db_activity(eng).items()}
    context = (
        f"server CPU {cpu * 1000:.1f} ms/request, machine load {load_before:.1f} -> {os.getloadavg()[0]:.1f}"
        + "".join(f", {k} {v}" for k, v in during.items())
    )
    ok_all = not result.errors and not baseline.errors
    figures = [
        Figure(
            area=AREA,
            name=f"open loop {RATE:.0f}/s, whole mix: p99 (p50 {result.p(50):.1f} ms, {len(result.errors)} errors)",
            engine=engine_name,
            value=result.p(99),
            unit="ms",
            baseline_name="p99 trivial route, same rate",
            baseline_value=baseline.p(99),
            target=f"p99 < {TARGET_P99_MS:.0f} ms, 0 errors",
            ok=result.p(99) < TARGET_P99_MS and ok_all,
            notes=_open_notes(result) + "; " + context,
        )
    ]
    for label in WEIGHTS:
        p99 = result.p(99, label)
        errors = result.errors_by_label.get(label, 0)
        figures.append(
            Figure(
                area=AREA,
                name=f"open loop {RATE:.0f}/s, {label}: p99 (p50 {result.p(50, label):.1f} ms, {errors} errors)",
                engine=engine_name,
                value=p99,
                unit="ms",
                baseline_name="p99 trivial route, same rate",
                baseline_value=baseline.p(99),
                target=f"p99 < {TARGET_P99_MS:.0f} ms, 0 errors",
                ok=p99 < TARGET_P99_MS and not errors and not baseline.errors,
                notes=f"{len(result.by_label.get(label, [])) + errors} requests, p50 {result.p(50, label):.1f} ms",
            )
        )
    figures.append(
        Figure(
            area=AREA,
            name=(
                f"open loop {RATE:.0f}/s, trivial probe {PROBE_RATE:.0f}/s in the same minute: p99 "
                f"(p50 {probed.p(50):.1f} ms, {len(probed.errors)} errors)"
            ),
            engine=engine_name,
            value=probed.p(99),
            unit="ms",
            baseline_name="p99 trivial route alone, 200/s",
            baseline_value=baseline.p(99),
            target="a control: a tail shared with the routes is queueing or a busy machine",
            ok=not probed.errors,
            notes=f"{probed.answered + len(probed.errors)} requests",
        )
    )
    return figures


def _open_notes(result: Samples) -> str:
    sent = result.answered + len(result.errors)
    notes = (
        f"{sent} requests in {result.seconds:.0f} s ({sent / result.seconds:.0f}/s), p50 {result.p(50):.1f} ms, "
        f"at most {result.max_in_flight} in flight, errors {len(result.errors)}"
    )
    if result.errors:
        notes += f" (first: {result.errors[0]})"
    slowest = ", ".join(f"{label} {ms:.0f} ms at {at:.0f} s" for ms, at, label in result.slowest[:3])
    return f"{notes}; slowest: {slowest}"


def _closed_figures(server: Server, engine_name: str, usernames: list[str], seconds: float) -> list[Figure]:
    mix = Mix(usernames, seed=SEED + 1)
    loaded = asyncio.run(closed_loop(server.base_url, mix.draw, clients=CLIENTS, seconds=seconds))
    base = asyncio.run(closed_loop(server.base_url, trivial, clients=CLIENTS, seconds=seconds))
    throughput = loaded.answered / loaded.seconds
    base_throughput = base.answered / base.seconds
    return [
        Figure(
            area=AREA,
            name=f"closed loop saturation ({CLIENTS} clients): mix throughput, ratio = mix / trivial",
            engine=engine_name,
            value=throughput,
            unit="req/s",
            baseline_name="trivial route, same clients",
            baseline_value=base_throughput,
            target=f">= {RATE:.0f} req/s (the open-loop rate), 0 errors",
            ok=throughput >= RATE and not loaded.errors and not base.errors,
            notes=(
                f"p50 {loaded.p(50):.0f} ms, p99 {loaded.p(99):.0f} ms under saturation; trivial p50 "
                f"{base.p(50):.1f} ms; errors {len(loaded.errors) + len(base.errors)}"
                + (f" (first: {(loaded.errors + base.errors)[0]})" if loaded.errors or base.errors else "")
            ),
        )
    ]


def _open(
    server: Server,
    draw: Callable[[], Request],
    *,
    seconds: float,
    warmup: float,
    probe: Callable[[], Request] | None = None,
) -> tuple[Samples, Samples]:
    return asyncio.run(
        open_loop(
            server.base_url,
            draw,
            rate=RATE,
            seconds=seconds,
            warmup=warmup,
            seed=SEED,
            probe=probe,
            probe_rate=PROBE_RATE,
        )
    )


def _db_activity(eng: Engine) -> dict[str, int]:
    """PostgreSQL counters of background work that can stall requests (checkpoints, autovacuum passes)."""
    if eng.dialect.name != "postgresql":
        return {}
    with eng.connect() as conn:
        checkpoints = conn.execute(
            text("SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter")
        ).scalar_one()
        vacuums = conn.execute(
            text("SELECT coalesce(sum(autovacuum_count + autoanalyze_count), 0) FROM pg_stat_user_tables")
        ).scalar_one()
    return {"checkpoints": int(checkpoints), "autovacuum passes": int(vacuums)}
