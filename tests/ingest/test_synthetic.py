"""The synthetic export reads like relationships: dated in the last 12 months up to yesterday, with archetypes."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

from everreach.ingest.model import ParsedThread
from everreach.ingest.reader import read_unit
from everreach.ingest.sources import Source
from everreach.ingest.synthetic import OWNER, generate_export
from everreach.ingest.synthetic_phrases import PAINS

NOW = datetime(2025, 6, 15, 9, 30, tzinfo=UTC)


def _threads(path: Path) -> list[ParsedThread]:
    with Source(path) as source:
        return [t for unit in source.units() for t in read_unit(source, unit, timezone="UTC")]


def test_dates_archetypes_and_determinism(tmp_path: Path) -> None:
    generate_export(tmp_path / "a", threads=60, messages=3000, seed=7, now=NOW)
    generate_export(tmp_path / "b", threads=60, messages=3000, seed=7, now=NOW)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.json"))
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files)

    threads = _threads(tmp_path / "a")
    times = [m.timestamp_ms for t in threads for m in t.messages]
    yesterday_end = datetime(2025, 6, 15, tzinfo=UTC)
    assert max(times) < yesterday_end.timestamp() * 1000
    assert min(times) >= (NOW - timedelta(days=366)).timestamp() * 1000

    pains = {p for ps in PAINS.values() for p in ps}
    repeating = 0
    promised_then_link = 0
    for t in threads:
        days = {m.timestamp_ms // 86_400_000 for m in t.messages if any(p in m.text for p in pains)}
        repeating += len(days) >= 2
        mine = [m.text for m in t.messages if m.sender == OWNER]
        promised_then_link += any("i'll" in a and "https://" in b for a, b in itertools.pairwise(mine))
    assert repeating >= 3
    assert promised_then_link >= 3
    tags = ("invest now", "crypto", "bitcoin", "forex", "usdt")
    texts = [[m.text for m in t.messages if m.message_type == "text"] for t in threads]
    spam = [ts for ts in texts if ts and all(any(tag in x for tag in tags) for x in ts)]
    assert spam
    assert any(
        len(t.messages) <= 2 and t.messages[0].text.startswith(("loved", "your posts", "just found", "hi!"))
        for t in threads
    )  # a one-off stranger
