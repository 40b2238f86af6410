"""Message search benchmark: search vs a plain scan (the model's recompute and reads: bench/model.py).

Data (full: 100,000 contacts / 1,000,000 messages; quick: 10,000 / 100,000; each message created when it was
sent, as an import or the webhook stores them) is written straight into the
tables with bulk inserts (sqlite3 executemany; PostgreSQL COPY), on SQLite (a file under bench/data/) and on
PostgreSQL (a scratch database, dropped afterwards). Each message carries a word from a 5,000-word synthetic
vocabulary, so a search for one word is selective (~0.02% of messages), like searching for a name or topic.

Figure, with its baseline from the same run: search median (over several words) vs the seed's plain
`ILIKE '%q%'` scan without the trigram index (PostgreSQL: the index dropped inside a rolled-back transaction;
SQLite: LIKE without FTS5); target >= 50x faster and < 20 ms.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from bench.common import Figure, median_ms
from everreach.db.engine import make_engine
from everreach.db.migrate import upgrade
from everreach.messages.search import search_messages
from everreach.seed.defaults import seed_defaults

AREA = "relationship"
DATA = Path(__file__).parent / "data"
PG_ADMIN = os.environ.get("EVERREACH_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
PHRASES = [
    "hey how's it going",
    "lol",
    "ok",
    "honestly i always forget to follow up w people",
    "what are you working on this month?",
    "i'm so excited about the launch",
    "my dms are a mess",
    "sounds good talk soon",
    "can you send me that link",
    "we shipped the new version today",
    "idk what to post this week",
    "thanks for the intro!",
]


def _vocab(n: int = 5000) -> list[str]:
    rng = random.Random(7)
    letters = "bcdfghjklmnpqrstvwxz"
    return ["".join(rng.choice(letters) for _ in range(7)) for _ in range(n)]


def _rows(contacts: int, messages: int) -> tuple[list[tuple[str, str]], Iterator[tuple[object, ...]]]:
    rng = random.Random(42)
    people = [(uuid.UUID(int=rng.getrandbits(128)).hex, f"user{i:06d}") for i in range(contacts)]
    words = _vocab()

    def gen() -> Iterator[tuple[object, ...]]:
        r = random.Random(43)
        for i in range(messages):
            cid = people[i % contacts][0]
            sent = NOW - timedelta(seconds=r.randrange(0, 365 * 86400)) - timedelta(microseconds=i)
            out = r.random() < 0.5
            auto = out and r.random() < 0.2
            msg = f"{r.choice(PHRASES)} {r.choice(words)}"
            yield (uuid.UUID(int=r.getrandbits(128)).hex, cid, msg, out, auto, sent)

    return people, gen()


def _ts(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def load_sqlite(path: Path, contacts: int, messages: int) -> str:
    """A migrated SQLite file with the data set (reused when it already has it)."""
    url = f"sqlite:///{path}"
    if path.exists():
        with sqlite3.connect(path) as db:
            if db.execute("SELECT count(*) FROM instagram_messages").fetchone()[0] == messages:
                return url
        path.unlink()
    eng = make_engine(url)
    upgrade(eng)
    with Session(eng) as s:
        seed_defaults(s)
        s.commit()
    eng.dispose()
    people, msgs = _rows(contacts, messages)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    tags = ['["spam"]' if i % 100 == 99 else None for i in range(contacts)]
    db.executemany(
        "INSERT INTO instagram_contacts (id, instagram_username, display_name, relationship_score, "
        "relationship_stage, tags, trust_signals, fit_signals, value_delivered_log) "
        "VALUES (?, ?, ?, 50, 'first_touch', ?, '[]', '[]', '[]')",
        [(cid, name, name.title(), tags[i]) for i, (cid, name) in enumerate(people)],
    )
    db.executemany(
        "INSERT INTO instagram_messages (id, contact_id, message_text, message_type, is_outbound, "
        "sent_by_automation, sent_at, created_at) VALUES (?, ?, ?, 'text', ?, ?, ?, ?)",
        ((mid, cid, t, int(o), int(a), _ts(s), _ts(s)) for mid, cid, t, o, a, s in msgs),
    )
    db.commit()
    db.execute("ANALYZE")
    db.close()
    return url


@contextmanager
def pg_database(contacts: int, messages: int) -> Iterator[str]:
    """A scratch PostgreSQL database with the data set, dropped afterwards."""
    name = f"everreach_bench_rel_{os.getpid()}"
    base = PG_ADMIN.rsplit("/", 1)[0]
    admin = create_engine(PG_ADMIN.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{base}/{name}"
    try:
        eng = make_engine(url)
        upgrade(eng)
        with Session(eng) as s:
            seed_defaults(s)
            s.commit()
        people, msgs = _rows(contacts, messages)
        raw = eng.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute("DROP INDEX idx_messages_text_trgm")
            with cur.copy("COPY instagram_contacts (id, instagram_username, display_name, tags) FROM STDIN") as copy:
                for i, (cid, uname) in enumerate(people):
                    copy.write_row((cid, uname, uname.title(), ["spam"] if i % 100 == 99 else None))
            with cur.copy(
                "COPY instagram_messages (id, contact_id, message_text, is_outbound, sent_by_automation, sent_at, "
                "created_at) FROM STDIN"
            ) as copy:
                for mid, cid, t, o, a, s in msgs:
                    copy.write_row((mid, cid, t, o, a, s, s))
            cur.execute("SET maintenance_work_mem = '512MB'")
            cur.execute(
                "CREATE INDEX idx_messages_text_trgm ON instagram_messages USING gin (message_text gin_trgm_ops)"
            )
            cur.execute("ANALYZE")
            raw.commit()
        finally:
            raw.close()
        eng.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _figures(engine_name: str, url: str, *, quick: bool) -> list[Figure]:
    eng: Engine = make_engine(url)
    try:
        words = _vocab()[:5]
        with Session(eng) as s:
            ms = sorted(median_ms(lambda w=w: search_messages(s, query=w), runs=9) for w in words)  # type: ignore[misc]
            search_ms = ms[len(ms) // 2]
            base_ms = _plain_scan_ms(s, engine_name, words[:3])
            ok = search_ms < 20 and base_ms / search_ms >= 50
            return [
                Figure(AREA, "search median", engine_name, search_ms, "ms", "plain ILIKE scan", base_ms,
                       ">= 50x faster, < 20 ms", ok, base_ms / search_ms)
            ]  # fmt: skip
    finally:
        eng.dispose()


def _plain_scan_ms(s: Session, engine_name: str, words: list[str]) -> float:
    sql = (
        "SELECT m.message_text, m.is_outbound, m.sent_at, c.instagram_username FROM instagram_messages m "
        "JOIN instagram_contacts c ON m.contact_id = c.id WHERE m.message_text {op} :q "
        "ORDER BY m.sent_at DESC LIMIT 20"
    ).format(op="ILIKE" if engine_name == "postgresql" else "LIKE")
    samples = []
    for w in words:
        if engine_name == "postgresql":
            s.execute(text("DROP INDEX idx_messages_text_trgm"))  # undone by the rollback below
        start = time.perf_counter()
        s.execute(text(sql), {"q": f"%{w}%"}).all()
        samples.append((time.perf_counter() - start) * 1000)
        s.rollback()
    return sorted(samples)[len(samples) // 2]


def run(*, quick: bool) -> list[Figure]:
    """Every relationship figure on SQLite and PostgreSQL."""
    contacts, messages = (10_000, 100_000) if quick else (100_000, 1_000_000)
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"relationship-{contacts}.db"
    if path.exists():
        path.unlink()  # recompute writes into it: start from the same state every run
    figs = _figures("sqlite", load_sqlite(path, contacts, messages), quick=quick)
    with pg_database(contacts, messages) as url:
        figs += _figures("postgresql", url, quick=quick)
    return figs
