"""Relationship model v2 benchmark: recompute from stored features vs one aggregate pass; read-query medians.

Data (full: 100,000 contacts / 1,000,000 messages; quick: 10,000 / 100,000), written straight into the tables
with bulk inserts (sqlite3 executemany; PostgreSQL COPY): contacts, their messages, and each message's
message_features row as the writer would store it (about one message in eight carries an intent, one inbound
message in thirty a fit signal), plus a context card on one contact in a hundred.

Figures, each against a baseline measured in the same run:
- full recompute: every contact, every stored feature read (`everreach score --full`), vs the floor
  `SELECT contact_id, count(*), max(sent_at) FROM instagram_messages GROUP BY contact_id`; target <= 3x;
- daily recompute: `everreach score` a day later, vs the same floor; target <= 1.5x;
- tasks, attention, health and coach medians; target < 10 ms (baseline: the seed's own SQL for the question).
The fit-signal scan of the first `score` after an import (fit_signal_matches) is run once before and reported
in the notes.
"""

from __future__ import annotations

import json
import random
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from bench.common import Figure, bench_engines, data_path, median_ms, pg_scratch_url, timed
from everreach.db.engine import make_engine
from everreach.db.migrate import upgrade
from everreach.messages.features import excerpt, is_meaningful, text_features
from everreach.relationship import coach, queries, service
from everreach.relationship.fitscan import detect_fit_signals
from everreach.relationship.recompute import recompute
from everreach.seed.defaults import seed_defaults

AREA = "model"
NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
TEXTS = (
    ("hey how's it going", False, ()),
    ("lol", False, ()),
    ("ok", True, ()),
    ("honestly i always forget to follow up w people", False, ("describes_friction",)),
    ("what are you working on this month?", True, ()),
    ("i'm so excited about the launch", False, ("shares_update",)),
    ("we're building a tiny app for coaches", False, ("describes_project",)),
    ("i'll send you the template tonight", True, ("promise",)),
    ("here it is: https://example.com/guide", True, ("delivers_value",)),
    ("sounds good talk soon", True, ()),
    ("thanks for the intro!", False, ("thanks",)),
    ("what would you do about pricing?", False, ("asks_opinion",)),
)
SIGNALS = ("everreach/follow_up_messy", "keywordradar/seo_uncertainty")
FEATURE_COLUMNS = (
    "message_id", "contact_id", "sent_at", "is_outbound", "automated", "meaningful", "length", "question",
    "self_disclosure", "emotion", "intents", "fit_signals", "excerpt", "model_key",
)  # fmt: skip


def _rows(contacts: int, messages: int) -> tuple[list[tuple[str, str]], Iterator[tuple[Any, ...]]]:
    """(contact id hex, username) pairs, and (message row, feature row) pairs, reproducibly."""
    rng = random.Random(42)
    people = [(uuid.UUID(int=rng.getrandbits(128)).hex, f"user{i:06d}") for i in range(contacts)]
    feats = text_features([t for t, _, _ in TEXTS])

    def gen() -> Iterator[tuple[Any, ...]]:
        r = random.Random(43)
        for i in range(messages):
            cid = people[i % contacts][0]
            sent = NOW - timedelta(seconds=r.randrange(0, 365 * 86400)) - timedelta(microseconds=i)
            k = r.randrange(len(TEXTS))
            body, out, intents = TEXTS[k]
            if r.random() < 0.5:  # half of the messages carry their intent, so about one in eight has one
                intents = ()
            auto = out and r.random() < 0.2
            fits = [r.choice(SIGNALS)] if not out and r.random() < 1 / 30 else []
            mid = uuid.UUID(int=r.getrandbits(128)).hex
            meaningful = is_meaningful(filler=feats.filler[k], automated=auto, message_type="text")
            message = (mid, cid, body, out, auto, sent)
            feature = (mid, cid, sent, out, auto, meaningful, feats.length[k], feats.question[k],
                       feats.self_disclosure[k], feats.emotion[k], json.dumps(sorted(() if auto else intents)),
                       json.dumps(fits), excerpt(body), "bench")  # fmt: skip
            yield message, feature

    return people, gen()


def _ts(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _card(i: int) -> str | None:
    return "a course for new coaches" if i % 100 == 7 else None


def _seeded(url: str) -> None:
    eng = make_engine(url)
    upgrade(eng)
    with Session(eng) as s:
        seed_defaults(s)
        s.commit()
    eng.dispose()


def load_sqlite(path: Path, contacts: int, messages: int) -> str:
    """A fresh migrated SQLite file holding the data set."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    _seeded(url)
    people, rows = _rows(contacts, messages)
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")
    db.executemany(
        "INSERT INTO instagram_contacts (id, instagram_username, display_name, relationship_score, "
        "relationship_stage, tags, trust_signals, fit_signals, value_delivered_log, what_theyre_building) "
        "VALUES (?, ?, ?, 50, 'first_touch', ?, '[]', '[]', '[]', ?)",
        [(cid, name, name.title(), '["spam"]' if i % 100 == 99 else None, _card(i))
         for i, (cid, name) in enumerate(people)],
    )  # fmt: skip
    batch: list[tuple[Any, ...]] = []
    features: list[tuple[Any, ...]] = []
    marks = ", ".join("?" * len(FEATURE_COLUMNS))
    for (mid, cid, body, out, auto, sent), feature in rows:
        batch.append((mid, cid, body, int(out), int(auto), _ts(sent), _ts(sent)))
        features.append((*feature[:2], _ts(feature[2]), *(int(v) if isinstance(v, bool) else v for v in feature[3:])))
        if len(batch) == 50_000:
            _flush_sqlite(db, batch, features, marks)
    _flush_sqlite(db, batch, features, marks)
    db.commit()
    db.execute("ANALYZE")
    db.close()
    return url


def _flush_sqlite(db: sqlite3.Connection, batch: list[Any], features: list[Any], marks: str) -> None:
    db.executemany(
        "INSERT INTO instagram_messages (id, contact_id, message_text, message_type, is_outbound, "
        "sent_by_automation, sent_at, created_at) VALUES (?, ?, ?, 'text', ?, ?, ?, ?)",
        batch,
    )
    db.executemany(f"INSERT INTO message_features ({', '.join(FEATURE_COLUMNS)}) VALUES ({marks})", features)
    batch.clear()
    features.clear()


def load_postgresql(url: str, contacts: int, messages: int) -> None:
    """The data set in a migrated scratch PostgreSQL database (COPY)."""
    _seeded(url)
    people, rows = _rows(contacts, messages)
    eng = make_engine(url)
    raw = eng.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("DROP INDEX idx_messages_text_trgm")
        with cur.copy(
            "COPY instagram_contacts (id, instagram_username, display_name, tags, what_theyre_building) FROM STDIN"
        ) as copy:
            for i, (cid, name) in enumerate(people):
                copy.write_row((cid, name, name.title(), ["spam"] if i % 100 == 99 else None, _card(i)))
        kept: list[tuple[Any, ...]] = []
        with cur.copy(
            "COPY instagram_messages (id, contact_id, message_text, is_outbound, sent_by_automation, sent_at, "
            "created_at) FROM STDIN"
        ) as copy:
            for (mid, cid, body, out, auto, sent), feature in rows:
                copy.write_row((mid, cid, body, out, auto, sent, sent))
                kept.append(feature)
        with cur.copy(f"COPY message_features ({', '.join(FEATURE_COLUMNS)}) FROM STDIN") as copy:
            for feature in kept:
                copy.write_row(feature)
        cur.execute("CREATE INDEX idx_messages_text_trgm ON instagram_messages USING gin (message_text gin_trgm_ops)")
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
        eng.dispose()


FLOOR_SQL = "SELECT contact_id, count(*), max(sent_at) FROM instagram_messages GROUP BY contact_id"
_SEED_TASKS = (
    "SELECT instagram_username FROM instagram_contacts WHERE relationship_score >= 60 "
    "ORDER BY relationship_score DESC LIMIT 10"
)
_SEED_ATTENTION = (
    "SELECT instagram_username, display_name, relationship_score, next_planned_touch FROM instagram_contacts "
    "WHERE next_planned_touch < '2025-06-01' ORDER BY next_planned_touch LIMIT 10"
)
_SEED_CONTACT = (
    "SELECT instagram_username, display_name, relationship_score, relationship_stage, resonance_score, "
    "need_clarity_score, value_delivered_score, reliability_score, consent_level, last_meaningful_touch "
    "FROM instagram_contacts WHERE instagram_username = 'user000123'"
)


def _figures(engine_name: str, url: str, *, quick: bool) -> list[Figure]:
    eng: Engine = make_engine(url)
    figs: list[Figure] = []
    try:
        with eng.connect() as conn:
            conn.execute(text(FLOOR_SQL)).all()  # warm the cache like the measured runs
            floor = min(timed(lambda: conn.execute(text(FLOOR_SQL)).all()) for _ in range(2))
        with Session(eng) as s:
            scan = timed(lambda: detect_fit_signals(s))
            s.commit()
        with Session(eng) as s:
            full = timed(lambda: recompute(s, now=NOW, scan=False))
            s.commit()
        with Session(eng) as s:
            report = None

            def daily() -> None:
                nonlocal report
                report = service.recompute_all(s, now=NOW + timedelta(days=1))

            took = timed(daily)
            s.commit()
        figs.append(
            Figure(AREA, "full recompute", engine_name, full, "s", "one aggregate pass", floor, "<= 3x",
                   full <= 3 * floor, full / floor, f"the fit-signal scan after the load took {scan:.2f} s")
        )  # fmt: skip
        notes = f"{report.assessed if report else 0} contacts assessed, {report.updated if report else 0} written"
        figs.append(
            Figure(AREA, "daily recompute", engine_name, took, "s", "one aggregate pass", floor, "<= 1.5x",
                   took <= 1.5 * floor, took / floor, notes)
        )  # fmt: skip
        figs += _reads(engine_name, eng)
    finally:
        eng.dispose()
    return figs


def _reads(engine_name: str, eng: Engine) -> list[Figure]:
    figs = []
    with Session(eng) as s:
        reads: dict[str, tuple[Callable[[], object], str]] = {
            "tasks": (lambda: queries.weekly_tasks(s, now=NOW), _SEED_TASKS),
            "attention": (lambda: queries.attention(s, now=NOW), _SEED_ATTENTION),
            "health": (lambda: queries.health(s, username="user000123", now=NOW), _SEED_CONTACT),
            "coach": (lambda: coach.coach_notes(s, username="user000123", now=NOW), _SEED_CONTACT),
        }
        for name, (fn, seed_sql) in reads.items():
            value = median_ms(fn, runs=15)
            seed_ms = median_ms(lambda q=seed_sql: s.execute(text(q)).all(), runs=15)  # type: ignore[misc]
            figs.append(
                Figure(AREA, f"{name} median", engine_name, value, "ms", "seed SQL", seed_ms, "< 10 ms",
                       value < 10, value / seed_ms if seed_ms else 0.0)
            )  # fmt: skip
    return figs


def run(*, quick: bool) -> list[Figure]:
    """Every model figure on the selected engines."""
    contacts, messages = (10_000, 100_000) if quick else (100_000, 1_000_000)
    figs: list[Figure] = []
    engines = bench_engines()
    if "sqlite" in engines:
        url = load_sqlite(data_path(f"model-{contacts}.db"), contacts, messages)
        figs += _figures("sqlite", url, quick=quick)
    if "postgresql" in engines:
        with pg_scratch_url("model") as url:
            load_postgresql(url, contacts, messages)
            figs += _figures("postgresql", url, quick=quick)
    return figs
