"""Two ways to load the server: open loop (requests arrive at a fixed rate) and closed loop (to saturation).

Open loop: arrivals are a Poisson process at `rate` per second, each sent at its own time whatever the others
are doing, as independent people would; latency counts from the scheduled arrival, so a server (or client)
falling behind shows up as latency instead of silently lowering the rate ("coordinated omission").
Closed loop: `clients` connections each send the next request as soon as the last answer arrives, no pause,
so the server runs flat out; the throughput is what it can serve, compared with the trivial route's.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bench.api_mix import Request
from bench.api_wire import Wire, WireError
from bench.common import percentile

#: How long after the last arrival unanswered requests are still waited for.
GRACE_SECONDS = 30.0


@dataclass
class Samples:
    """Latencies (ms) by label of the successful requests, the failures, and how the run went."""

    by_label: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    errors_by_label: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    max_in_flight: int = 0
    slowest: list[tuple[float, float, str]] = field(default_factory=list)  # (ms, at s into the run, label)

    def add(self, request: Request, ms: float, at: float) -> None:
        """Record one answered request."""
        self.by_label.setdefault(request.label, []).append(ms)
        self.slowest = sorted([*self.slowest, (ms, at, request.label)], reverse=True)[:5]

    def fail(self, label: str, error: str) -> None:
        """Record one failed request."""
        self.errors.append(f"{label} {error}")
        self.errors_by_label[label] = self.errors_by_label.get(label, 0) + 1

    def all(self) -> list[float]:
        """Every latency."""
        return [ms for samples in self.by_label.values() for ms in samples]

    @property
    def answered(self) -> int:
        """Successful requests."""
        return sum(len(s) for s in self.by_label.values())

    def p(self, q: float, label: str | None = None) -> float:
        """The q-th percentile latency (of one label, or all); inf when none succeeded."""
        samples = self.all() if label is None else self.by_label.get(label, [])
        return percentile(samples, q) if samples else float("inf")


def _client(base_url: str, connections: int) -> Wire:
    parts = urlsplit(base_url)
    return Wire(parts.hostname or "127.0.0.1", parts.port or 80, max_connections=connections)


async def _send(client: Wire, request: Request, samples: Samples | None, started: float) -> None:
    """Send one request; latency from `started` (its scheduled time) to the end of the answer."""
    try:
        status, body = await client.request(request.method, request.path, request.json)
    except WireError as exc:
        if samples is not None:
            samples.fail(request.label, f"{request.path}: {exc}")
        return
    done = time.perf_counter()
    if samples is None:
        return
    if status != request.ok:
        samples.fail(request.label, f"{request.path}: HTTP {status} {body[:120].decode(errors='replace')}")
        return
    samples.add(request, (done - started) * 1000, started)


async def open_loop(
    base_url: str,
    draw: Callable[[], Request],
    *,
    rate: float,
    seconds: float,
    warmup: float,
    seed: int,
    probe: Callable[[], Request] | None = None,
    probe_rate: float = 10.0,
) -> tuple[Samples, Samples]:
    """Poisson arrivals at `rate`/s for `seconds` (after `warmup` seconds of the same, not recorded).

    `probe`: a second, independent stream at `probe_rate`/s during the same seconds, recorded apart (the
    trivial route as a same-minute control: a tail it shares is queueing or a busy machine, not a route's work).
    """
    rng, probe_rng = random.Random(seed), random.Random(seed + 1)
    samples, probed = Samples(), Samples()
    client = _client(base_url, 512)
    try:
        await _arrivals(client, draw, rng, rate=rate, seconds=warmup, samples=None)
        started = time.perf_counter()
        streams = [_arrivals(client, draw, rng, rate=rate, seconds=seconds, samples=samples)]
        if probe is not None:
            streams.append(_arrivals(client, probe, probe_rng, rate=probe_rate, seconds=seconds, samples=probed))
        await asyncio.gather(*streams)
        samples.seconds = probed.seconds = time.perf_counter() - started
    finally:
        await client.aclose()
    samples.slowest = [(ms, at - started, label) for ms, at, label in samples.slowest]
    return samples, probed


async def _arrivals(
    client: Wire,
    draw: Callable[[], Request],
    rng: random.Random,
    *,
    rate: float,
    seconds: float,
    samples: Samples | None,
) -> None:
    start = time.perf_counter()
    at = 0.0
    in_flight: set[asyncio.Task[None]] = set()
    while True:
        at += rng.expovariate(rate)
        if at >= seconds:
            break
        delay = start + at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        request = draw()
        task = asyncio.create_task(_send(client, request, samples, start + at), name=request.label)
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
        if samples is not None:
            samples.max_in_flight = max(samples.max_in_flight, len(in_flight))
    if in_flight:
        # Bounded: what has no answer GRACE_SECONDS after the last arrival is cancelled and counted as failed.
        _done, late = await asyncio.wait(set(in_flight), timeout=GRACE_SECONDS)
        for task in late:
            task.cancel()
        for task in late:
            if samples is not None:
                samples.fail(task.get_name(), f"no answer within {GRACE_SECONDS:.0f} s of the run's end")


async def closed_loop(base_url: str, draw: Callable[[], Request], *, clients: int, seconds: float) -> Samples:
    """`clients` connections, each sending its next request as soon as the previous one is answered."""
    samples = Samples()
    client = _client(base_url, clients)
    try:
        # Warm every connection first (all at once, or they would reuse one).
        await asyncio.gather(*(_send(client, draw(), None, time.perf_counter()) for _ in range(clients)))
        deadline = time.perf_counter() + seconds

        async def one_client() -> None:
            while time.perf_counter() < deadline:
                await _send(client, draw(), samples, time.perf_counter())

        started = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(clients)))
        samples.seconds = time.perf_counter() - started
    finally:
        await client.aclose()
    return samples
