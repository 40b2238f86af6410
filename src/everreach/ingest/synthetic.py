"""A generator of synthetic Instagram exports that read like relationships (for tests, benchmarks and demos).

Every one-to-one thread is one archetype, in weighted proportions: close friend, warm prospect with a pain that
comes back on several days, customer (value, an offer, a yes), dormant deep friendship, going cold, a promise
then its link, friendly acquaintance; the smallest threads are one-off strangers and spammers. They talk in
ordinary, varied phrasings of the intents (`synthetic_phrases.py`), dated within the 12 months up to yesterday.

The layout is the current one (`your_instagram_activity/messages/inbox/<username>_<id>/message_N.json`); threads
are split into files of 10,000 messages (newest first), every non-ASCII character is written as Meta's mojibake,
and system lines, media, shares, reactions, message requests and group threads are mixed in.
"""

from __future__ import annotations

import json
import random
import zipfile
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from everreach.ingest.synthetic_phrases import INBOUND, OUTBOUND, PAIN_FRAMES, PAINS, SLOTS

FILE_MESSAGES = 10_000
OWNER = "Sam Øster"
YEAR_DAYS = 365
DAY_MS = 86_400_000
_FIRST = ("Ana", "Ben", "Chloé", "Dev", "Émile", "Farah", "Gus", "Hana", "Iker", "Jo", "Kai", "Léa", "Mo",
          "Noor", "Oskar", "Pía", "Quinn", "Rin", "Søren", "Tess", "Uma", "Vik", "Wen", "Yara", "Zoë")  # fmt: skip
_LAST = ("Silva", "Okafor", "Müller", "Tanaka", "Nguyen", "García", "Kowalski", "Ivanova", "Smith", "Haddad")

#: archetype -> (weight, first day of the thread in days before the end, last day, (min, max) days between
#: conversations, share of the messages the owner writes)
ARCHETYPES: Mapping[str, tuple[int, tuple[int, int], tuple[int, int], tuple[int, int], float]] = {
    "close_friend": (14, (300, 364), (1, 8), (1, 8), 0.48),
    "warm_prospect": (14, (70, 200), (0, 12), (3, 10), 0.42),
    "customer": (10, (90, 300), (2, 30), (4, 18), 0.45),
    "dormant_friend": (12, (330, 364), (160, 300), (1, 6), 0.45),
    "going_cold": (14, (150, 300), (30, 70), (3, 7), 0.5),
    "promised": (12, (20, 200), (0, 20), (2, 14), 0.45),
    "acquaintance": (24, (150, 364), (5, 120), (12, 45), 0.45),
}
#: (direction is outbound, pool) of the ordinary talk of each archetype, chosen at random between the key moments.
_TALK: Mapping[str, tuple[tuple[bool, str], ...]] = {
    "close_friend": ((False, "deep"), (False, "casual"), (False, "shares_update"), (False, "asks_opinion"),
                     (True, "question"), (True, "support"), (True, "casual")),
    "warm_prospect": ((False, "casual"), (False, "asks_opinion"), (True, "question"), (True, "casual")),
    "customer": ((False, "casual"), (False, "shares_update"), (True, "question"), (True, "casual")),
    "dormant_friend": ((False, "deep"), (False, "deep"), (False, "casual"), (True, "support"), (True, "question")),
    "going_cold": ((False, "casual"), (True, "question"), (True, "casual")),
    "promised": ((False, "casual"), (True, "question"), (True, "casual")),
    "acquaintance": ((False, "casual"), (False, "shares_update"), (True, "question"), (True, "casual")),
}  # fmt: skip


class SyntheticManifest(BaseModel):
    """What was generated: counts an importer should reproduce."""

    owner: str
    threads: int
    group_threads: int
    request_threads: int
    messages: int
    one_to_one_messages: int
    group_messages: int
    files: int
    largest_thread: int


def _mojibake(value: str) -> str:
    """The string as Meta writes it: every UTF-8 byte of a non-ASCII character as its own character."""
    return value if value.isascii() else value.encode("utf-8").decode("latin-1")


def _sizes(rng: random.Random, threads: int, messages: int) -> list[int]:
    """Messages per thread: one big thread in a big export, one in seven tiny (strangers, spam), the rest Pareto."""
    sizes = [0] * threads
    remaining = messages
    if messages >= 12_000 and threads > 1:
        # One long-running thread big enough to be split over files, as real exports have.
        sizes[0] = min(25_000, messages // 4)
        remaining -= sizes[0]
    rest = list(range(1, threads) if sizes[0] else range(threads))
    tiny = set(rng.sample(rest, len(rest) // 7)) if len(rest) >= 7 and remaining >= 3 * len(rest) else set()
    for i in tiny:
        sizes[i] = rng.randint(1, 3)
        remaining -= sizes[i]
    rest = [i for i in rest if i not in tiny]
    weights = [rng.paretovariate(1.6) for _ in rest]
    total = sum(weights) or 1.0
    for i, w in zip(rest, weights, strict=True):
        sizes[i] = int(remaining * w / total)
    short = messages - sum(sizes)
    for k in range(short):
        sizes[rest[k % len(rest)] if rest else 0] += 1
    return sizes


class _Writer:
    """Fills phrase templates and builds message dicts (one random generator for the whole export)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def fill(self, template: str) -> str:
        """The template with each {slot} replaced by a random value."""
        rng = self.rng
        out = template
        while "{" in out:
            start = out.index("{")
            slot = out[start + 1 : out.index("}", start)]
            value = rng.choice(SLOTS[slot]) if slot != "pain" else rng.choice(rng.choice(list(PAINS.values())))
            out = out[:start] + value.replace("{n}", f"{rng.getrandbits(32):x}") + out[start + len(slot) + 2 :]
        return out

    def say(self, outbound: bool, pool: str) -> str:
        """A fresh phrasing from one pool."""
        return self.fill(self.rng.choice((OUTBOUND if outbound else INBOUND)[pool]))

    def pain(self, signal: str) -> str:
        """A pain of one fit signal, framed casually."""
        return self.rng.choice(PAIN_FRAMES).replace("{pain}", self.rng.choice(PAINS[signal]))


def _script(w: _Writer, archetype: str, n: int, owner_share: float) -> list[tuple[bool, str]]:
    """n (outbound, text) lines in time order: ordinary talk with the archetype's key moments placed in it."""
    rng = w.rng
    talk = _TALK.get(archetype, ((False, "casual"), (True, "casual")))
    mine = [t for t in talk if t[0]] or [(True, "casual")]
    theirs = [t for t in talk if not t[0]] or [(False, "casual")]
    directions = [rng.random() < owner_share for _ in range(n)]
    script = [(o, w.say(*rng.choice(mine if o else theirs))) for o in directions]

    def put(at: float, *moments: tuple[bool, str]) -> None:
        """Place key moments, in order, from the fraction `at` of the thread on."""
        start = min(max(0, int(at * n)), max(0, n - len(moments)))
        for k, moment in enumerate(moments[: n - start]):
            script[start + k] = moment

    if archetype == "warm_prospect":
        signal = rng.choice(list(PAINS))
        put(0.05, (False, w.say(False, "describes_project")), (False, w.pain(signal)))
        put(0.25, (True, w.say(True, "delivers_value")), (False, w.say(False, "thanks")))
        put(0.4, (False, w.say(False, "asks_opinion")), (True, w.say(True, "delivers_value")))
        put(0.55, (False, w.pain(signal)), (True, w.say(True, "question")))
        put(0.7, (True, w.say(True, "delivers_value")))
        put(0.8, (False, w.say(False, "asks_for_help")))  # their own ask: the permission an offer waits for
        put(0.9, (False, w.pain(signal)))
    elif archetype == "customer":
        put(0.05, (False, w.say(False, "describes_project")), (False, w.pain(rng.choice(list(PAINS)))))
        put(0.25, (True, w.say(True, "delivers_value")), (False, w.say(False, "thanks")))
        put(0.6, (True, w.say(True, "offer")), (False, w.say(False, "says_yes")))
        put(0.85, (False, w.say(False, "thanks")), (False, w.say(False, "shares_update")))
    elif archetype == "promised":
        put(0.05, (False, w.say(False, "describes_project")), (False, w.pain(rng.choice(list(PAINS)))))
        put(0.3, (False, w.say(False, "asks_for_help")), (True, w.say(True, "promise")),
            (True, w.say(True, "delivers_value")), (False, w.say(False, "thanks")))  # fmt: skip
    elif archetype in ("close_friend", "dormant_friend"):
        put(0.2, (False, w.say(False, "describes_project")), (True, w.say(True, "promise")),
            (True, w.say(True, "delivers_value")))  # fmt: skip
        put(0.4, (False, w.pain(rng.choice(list(PAINS)))))
        put(0.6, (False, w.say(False, "refers_someone")))
    elif archetype == "acquaintance" and rng.random() < 0.4:
        put(0.3, (False, w.say(False, "describes_project")), (False, w.pain(rng.choice(list(PAINS)))))
        put(0.6, (False, w.say(False, "refers_someone")))
    elif archetype == "stranger":
        script = [(False, w.say(False, "compliment"))] + [(True, w.say(True, "casual"))] * (n > 1)
        script += [(False, w.say(False, "casual")) for _ in range(n - len(script))]
    elif archetype == "spammer":
        script = [(False, w.say(False, "spam")) for _ in range(n)]
    return script[:n]


def _conversation_days(rng: random.Random, archetype: str, n: int) -> list[int]:
    """Days before the end (newest last) on which the thread talks, one per conversation."""
    if archetype in ("stranger", "spammer"):
        first = rng.randint(1, YEAR_DAYS - 1)
        if archetype == "stranger":
            return [first]
        return sorted({first} | {rng.randint(0, first) for _ in range(n - 1)}, reverse=True)
    _, (a0, a1), (b0, b1), (g0, g1), _ = ARCHETYPES[archetype]
    start, end = rng.randint(a0, a1), rng.randint(b0, b1)
    days = [start]
    while days[-1] - g0 > end:
        days.append(days[-1] - rng.randint(g0, g1))
    days = [d for d in days if d > end] + [end]
    if len(days) > n:  # fewer messages than conversations: keep the first and the last, and some between
        days = [days[0], *sorted(rng.sample(days[1:-1], max(0, n - 2)), reverse=True), days[-1]][:n]
    return days


def _times(rng: random.Random, days: list[int], n: int, end_ms: int) -> list[int]:
    """n strictly increasing millisecond times: the messages spread over the conversation days."""
    cuts = sorted(rng.sample(range(1, n), len(days) - 1)) if 1 < len(days) <= n else []
    sizes = [b - a for a, b in zip([0, *cuts], [*cuts, n], strict=True)] if cuts else [n]
    out: list[int] = []
    for day, size in zip(days, sizes, strict=False):
        ts = end_ms - day * DAY_MS - rng.randint(2, 14) * 3_600_000
        step = max(21_000, min(2_400_000, 16 * 3_600_000 // max(1, size)))  # a long chat stays within its day
        for _ in range(size):
            ts = max(ts + rng.randint(20_000, step), out[-1] + 1_000 if out else 0)
            out.append(ts)
    out += [out[-1] + 1_000 * (k + 1) for k in range(n - len(out))] if out else []
    overflow = out[-1] - end_ms if out else 0
    return [t - overflow for t in out] if overflow > 0 else out


def _archetype(rng: random.Random, size: int) -> str:
    if size <= 3:
        return "spammer" if rng.random() < 0.3 else "stranger"
    names = list(ARCHETYPES)
    return rng.choices(names, weights=[ARCHETYPES[k][0] for k in names])[0]


_HEART, _FIRE = _mojibake("❤️"), _mojibake("nice 🔥")


def _message(w: _Writer, sender: str, ts: int, text: str, names: list[str]) -> dict[str, Any]:
    """One message dict (names already as mojibake): mostly the script's text, sometimes media or a system line."""
    rng = w.rng
    roll = rng.random()
    msg: dict[str, Any] = {"sender_name": sender, "timestamp_ms": ts}
    if roll < 0.86:
        msg["content"] = _mojibake(text)
        if rng.random() < 0.04:
            msg["reactions"] = [{"reaction": _HEART, "actor": rng.choice(names)}]
        if rng.random() < 0.02:
            msg["content"] += " (edited)"
    elif roll < 0.90:
        msg["content"] = f"{sender} sent an attachment."
        msg["share"] = {"link": f"https://www.instagram.com/p/{rng.getrandbits(40):x}/", "share_text": _FIRE}
    elif roll < 0.94:
        msg["photos"] = [{"uri": f"photos/{rng.getrandbits(48):x}.jpg", "creation_timestamp": ts // 1000}]
    elif roll < 0.96:
        msg["content"] = "Liked a message"
    elif roll < 0.98:
        msg["content"] = f"Reacted {_HEART} to your message "
    else:
        msg["audio_files"] = [{"uri": f"audio/{rng.getrandbits(48):x}.mp4", "creation_timestamp": ts // 1000}]
    return msg


def _thread_messages(w: _Writer, size: int, others: list[str], archetype: str, end_ms: int) -> list[dict[str, Any]]:
    """The messages of one thread, oldest first."""
    if size == 0:
        return []
    rng = w.rng
    share = ARCHETYPES[archetype][4] if archetype in ARCHETYPES else 0.4
    script = _script(w, archetype, size, share)
    times = _times(rng, _conversation_days(rng, archetype, size), size, end_ms)
    names = [_mojibake(n) for n in (*others, OWNER)]
    owner, theirs = names[-1], names[:-1]
    return [
        _message(w, owner if outbound else rng.choice(theirs), ts, text, names)
        for (outbound, text), ts in zip(script, times, strict=True)
    ]


def generate_export(
    out: Path, *, threads: int, messages: int, seed: int = 0, now: datetime | None = None
) -> SyntheticManifest:
    """Write a synthetic export to `out` (a folder, or a .zip when the name ends with .zip), dated up to the
    day before `now` (default: the current time)."""
    rng = random.Random(seed)
    w = _Writer(rng)
    today = (now or datetime.now(UTC)).astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    end_ms = int((today - timedelta(milliseconds=1)).timestamp() * 1000)  # the last millisecond of yesterday
    sizes = _sizes(rng, threads, messages)
    as_zip = out.suffix.lower() == ".zip"
    out.parent.mkdir(parents=True, exist_ok=True)
    archive = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) if as_zip else None
    write: Callable[[str, str], None]
    if archive is not None:
        write = archive.writestr
    else:
        out.mkdir(parents=True, exist_ok=True)

        def write(name: str, data: str) -> None:
            """Write one file of the export folder."""
            target = out / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(data, encoding="ascii")

    manifest = SyntheticManifest(
        owner=OWNER, threads=threads, group_threads=0, request_threads=0, messages=0,
        one_to_one_messages=0, group_messages=0, files=0, largest_thread=max(sizes, default=0),
    )  # fmt: skip
    try:
        for index, size in enumerate(sizes):
            is_group = index > 0 and rng.random() < 0.03
            archetype = "acquaintance" if is_group else _archetype(rng, size)
            requested = archetype in ("spammer", "stranger") and rng.random() < 0.5
            section = "message_requests" if index > 0 and not is_group and requested else "inbox"
            if is_group:
                others = list(
                    dict.fromkeys(f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" for _ in range(rng.randint(2, 4)))
                )
                username, title = f"squad{index}", f"Squad {index} 🎲"
            else:
                others = [f"{rng.choice(_FIRST)} {rng.choice(_LAST)} {index}"]
                username = f"user{index:06d}.{rng.choice(_LAST).lower()[:4]}"
                title = others[0]
            if not username.isascii():
                username = f"user{index:06d}"
            folder = f"your_instagram_activity/messages/{section}/{username}_{10**15 + index}"
            thread_messages = _thread_messages(w, size, others, archetype, end_ms)
            thread_messages.reverse()  # newest first, as Meta writes them
            header: dict[str, Any] = {
                "participants": [{"name": _mojibake(n)} for n in [*others, OWNER]],
                "title": _mojibake(title),
                "is_still_participant": True,
                "thread_path": f"{section}/{username}_{10**15 + index}",
                "magic_words": [],
            }
            if is_group:
                header["thread_type"] = "RegularGroup"
            chunks = [thread_messages[i : i + FILE_MESSAGES] for i in range(0, len(thread_messages), FILE_MESSAGES)]
            for number, chunk in enumerate(chunks or [[]], start=1):
                doc = {"participants": header["participants"], "messages": chunk,
                       **{k: v for k, v in header.items() if k != "participants"}}  # fmt: skip
                write(f"{folder}/message_{number}.json", json.dumps(doc))
                manifest.files += 1
            manifest.messages += size
            if is_group:
                manifest.group_threads += 1
                manifest.group_messages += size
            else:
                manifest.one_to_one_messages += size
                manifest.request_threads += section == "message_requests"
    finally:
        if archive is not None:
            archive.close()
    return manifest
