"""Message understanding benchmark: classify N messages vs a raw SQLite insert of the same rows; memory; load.

Data (full: 1,000,000 messages; quick: 100,000): DM-like texts built from fragments (openers, bodies with
names, numbers and topics, closers, emoji) so that most texts are distinct, 40% of them outbound, as a batch of
MessageToRead. Figures, each with its same-run baseline:
- classify N messages (the seed's 13 fit signals and every intent, batches of 20,000, as the message writer
  calls it) vs `executemany` of the same rows (id, contact_id, text, direction, sent_at, created_at) into a
  fresh SQLite file in WAL mode, one transaction; target ratio <= 1.0.
- peak RSS added by loading the model, training the classifier and classifying 110,000 distinct texts (so
  its memo of texts read before is full), measured in a fresh subprocess (its peak RSS minus the RSS after
  importing numpy and the package and making the messages, whose texts the memo shares); target < 150 MB.
- model load time in that subprocess (reading weights and tokenizer from the wheel); target < 1 s. The
  training time over the same definitions is a note beside it ("about a second" in the issue).
"""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

from bench.common import DATA_DIR, Figure

AREA = "understanding"
OPENERS = ["", "", "hey", "omg", "ok so", "haha", "honestly", "ugh", "yo", "sooo", "btw", "lol"]
BODIES = [
    "i always forget to follow up with {name}",
    "can you look at my {thing} this week",
    "we launched the {thing}",
    "what do you think of the new {thing}",
    "thanks for the {thing} {name}",
    "i'll send you the {thing} tomorrow",
    "my dms are a mess since {day}",
    "i'm building a {thing} for {people}",
    "yes please send the {thing}",
    "you should meet {name}, she runs a {thing}",
    "i have no idea what to post on {day}",
    "my {thing} gets views but no sales",
    "here's the link to the {thing} {url}",
    "how was {day}",
    "we hit {n} followers",
    "i spend {n} hours a week on {thing}",
    "did you see {name}'s post",
    "want me to set up the {thing} for you",
    "no worries, talk {day}",
    "see you at {n}",
]
NAMES = ["sam", "jess", "mark", "dana", "chris", "priya", "leo", "ana", "kofi", "mei", "tom", "zara"]
THINGS = [
    "landing page",
    "newsletter",
    "course",
    "app",
    "podcast",
    "template",
    "checklist",
    "funnel",
    "shop",
    "reel",
    "pitch deck",
    "booking tool",
    "logo",
    "workshop",
    "crm",
]
PEOPLE = ["coaches", "dentists", "parents", "bakers", "designers", "students", "gyms", "tattoo artists"]
DAYS = ["monday", "tuesday", "the weekend", "friday", "tomorrow", "next week", "tonight"]
CLOSERS = ["", "", "", "!!", "?", " 🙏", " 😭", " lol", " haha", " 🎉", " tbh", " asap"]


def messages(n: int, seed: int = 13) -> list[tuple[str, bool]]:
    """N DM-like (text, is_outbound) pairs, mostly distinct."""
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        body = rnd.choice(BODIES).format(
            name=rnd.choice(NAMES),
            thing=rnd.choice(THINGS),
            people=rnd.choice(PEOPLE),
            day=rnd.choice(DAYS),
            n=rnd.randint(2, 20_000),
            url=f"https://ex.am/{rnd.randint(1, 10**9):x}",
        )
        text = f"{rnd.choice(OPENERS)} {body}{rnd.choice(CLOSERS)}".strip()
        out.append((text, rnd.random() < 0.4))
    return out


def _insert_seconds(texts: list[tuple[str, bool]]) -> float:
    path = DATA_DIR / f"understanding_raw_{uuid.uuid4().hex[:8]}.sqlite"
    DATA_DIR.mkdir(exist_ok=True)
    now = datetime(2025, 6, 1, tzinfo=UTC)
    contacts = [str(uuid.uuid4()) for _ in range(max(1, len(texts) // 10))]
    rows = [
        (str(uuid.uuid4()), contacts[i % len(contacts)], text, int(out), (now - timedelta(minutes=i)).isoformat(),
         now.isoformat())
        for i, (text, out) in enumerate(texts)
    ]  # fmt: skip
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(
            "CREATE TABLE instagram_messages (id TEXT PRIMARY KEY, contact_id TEXT NOT NULL, message_text TEXT,"
            " is_outbound INTEGER, sent_at TEXT, created_at TEXT)"
        )
        start = time.perf_counter()
        db.execute("BEGIN")
        db.executemany("INSERT INTO instagram_messages VALUES (?, ?, ?, ?, ?, ?)", rows)
        db.execute("COMMIT")
        return time.perf_counter() - start
    finally:
        db.close()
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)


_CHILD = """
import json, resource, time
import numpy
import everreach.understanding as u
from everreach.understanding.model import load_model
from bench.understanding import messages, seed_signals
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20
# Distinct texts, enough to fill the classifier's memo of texts read before (its largest size).
batch = [u.MessageToRead(f"{t} {i}", o) for i, (t, o) in enumerate(messages(110_000))]
before = rss()
start = time.perf_counter(); load_model(); load = time.perf_counter() - start
start = time.perf_counter(); c = u.get_classifier(seed_signals()); train = time.perf_counter() - start
c.classify(batch)
# VmHWM, not ru_maxrss: ru_maxrss survives exec, so it would count the forking parent's pages.
with open("/proc/self/status") as f:
    peak = next(int(line.split()[1]) for line in f if line.startswith("VmHWM")) / 1024
print(json.dumps({"load": load, "train": train, "added_mb": peak - before, "peak_mb": peak}))
"""


def seed_signals() -> list[object]:
    """The seed's fit signals as definitions."""
    from everreach.seed.defaults import load_defaults
    from everreach.understanding import SignalDefinition

    return [
        SignalDefinition(s["product"], s["key"], s["description"], tuple(s.get("phrases", [])))
        for s in load_defaults()["fit_signal"]
    ]


def run(*, quick: bool) -> list[Figure]:
    """Classification throughput vs raw insert, memory and load time."""
    from everreach.understanding import MessageToRead, get_classifier

    n = 100_000 if quick else 1_000_000
    texts = messages(n)
    batch = [MessageToRead(t, o) for t, o in texts]
    classifier = get_classifier(seed_signals())  # type: ignore[arg-type]
    start = time.perf_counter()
    results = classifier.classify(batch)
    classify = time.perf_counter() - start
    matched = sum(1 for r in results if r)
    insert = _insert_seconds(texts)
    child = subprocess.run([sys.executable, "-c", _CHILD], check=True, capture_output=True, text=True)
    mem = json.loads(child.stdout.strip().splitlines()[-1])
    label = f"{n // 1000}k" if n < 1_000_000 else f"{n // 1_000_000}M"
    return [
        Figure(AREA, f"classify {label} messages (s)", "python", classify, "s", "raw SQLite executemany", insert,
               "ratio <= 1.0", classify <= insert,
               notes=f"{matched} of {n} messages matched something; {len({t for t, _ in texts})} distinct texts"),
        Figure(AREA, "model + classifier peak RSS added (MB)", "python", mem["added_mb"], "MB",
               "process peak RSS", mem["peak_mb"], "< 150 MB", mem["added_mb"] < 150),
        Figure(AREA, "model load (s)", "python", mem["load"], "s", "training on the seed definitions",
               mem["train"], "< 1 s", mem["load"] < 1.0, notes=f"training took {mem['train']:.2f} s"),
    ]  # fmt: skip
