"""A generator of realistic synthetic Instagram exports (for tests, benchmarks and demos).

It writes the current layout (`your_instagram_activity/messages/inbox/<username>_<id>/message_N.json`), splits
threads into files of 10,000 messages (newest first), writes every non-ASCII character as Meta's mojibake, and
mixes in system lines, media, shares, reactions, message requests and group threads.
"""

from __future__ import annotations

import json
import random
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

FILE_MESSAGES = 10_000
OWNER = "Sam Øster"
_FIRST = ("Ana", "Ben", "Chloé", "Dev", "Émile", "Farah", "Gus", "Hana", "Iker", "Jo", "Kai", "Léa", "Mo",
          "Noor", "Oskar", "Pía", "Quinn", "Rin", "Søren", "Tess", "Uma", "Vik", "Wen", "Yara", "Zoë")  # fmt: skip
_LAST = ("Silva", "Okafor", "Müller", "Tanaka", "Nguyen", "García", "Kowalski", "Ivanova", "Smith", "Haddad")
_TEXTS = (
    "hey! how's the launch going?",
    "honestly i keep forgetting to follow up with people",
    "my posts aren't converting at all lately",
    "i don't know what to post this week 😅",
    "this is taking me forever, doing it all by hand",
    "haha same",
    "ok",
    "lol",
    "can you send me that template?",
    "we shipped the new onboarding today 🎉",
    "what are you focused on this month?",
    "thanks so much, that helped a ton ❤️",
    "café meetup next week?",
    "i'm building a tiny crm for creators",
    "sounds good, talk soon",
    "did you see the analytics from last week?",
    "no rush, whenever you have a sec",
    "my network is a mess tbh",
    "the funnel is leaking somewhere between dm and call",
    "日本語のメッセージもあるよ",
)


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


def _mojibake(value: Any) -> Any:
    if isinstance(value, str):
        return value if value.isascii() else value.encode("utf-8").decode("latin-1")
    if isinstance(value, list):
        return [_mojibake(v) for v in value]
    if isinstance(value, dict):
        return {k: _mojibake(v) for k, v in value.items()}
    return value


def _sizes(rng: random.Random, threads: int, messages: int) -> list[int]:
    sizes = [0] * threads
    remaining = messages
    if messages >= 12_000 and threads > 1:
        # One long-running thread big enough to be split over files, as real exports have.
        sizes[0] = min(25_000, messages // 4)
        remaining -= sizes[0]
    rest = range(1, threads) if sizes[0] else range(threads)
    weights = [rng.paretovariate(1.6) for _ in rest]
    total = sum(weights) or 1.0
    for i, w in zip(rest, weights, strict=True):
        sizes[i] = int(remaining * w / total)
    short = messages - sum(sizes)
    for k in range(short):
        sizes[list(rest)[k % len(rest)] if len(rest) else 0] += 1
    return sizes


def _message(rng: random.Random, sender: str, ts: int, names: list[str]) -> dict[str, Any]:
    roll = rng.random()
    msg: dict[str, Any] = {"sender_name": sender, "timestamp_ms": ts}
    if roll < 0.72:
        msg["content"] = rng.choice(_TEXTS)
        if rng.random() < 0.05:
            msg["reactions"] = [{"reaction": "❤️", "actor": rng.choice(names)}]
        if rng.random() < 0.02:
            msg["content"] += " (edited)"
    elif roll < 0.78:
        msg["content"] = f"{sender} sent an attachment."
        msg["share"] = {"link": f"https://www.instagram.com/p/{rng.getrandbits(40):x}/", "share_text": "nice 🔥"}
    elif roll < 0.84:
        msg["photos"] = [{"uri": f"photos/{rng.getrandbits(48):x}.jpg", "creation_timestamp": ts // 1000}]
    elif roll < 0.88:
        msg["content"] = "Liked a message"
    elif roll < 0.92:
        msg["content"] = "Reacted ❤️ to your message "
    elif roll < 0.95:
        msg["audio_files"] = [{"uri": f"audio/{rng.getrandbits(48):x}.mp4", "creation_timestamp": ts // 1000}]
    else:
        msg["share"] = {"link": f"https://example.com/{rng.getrandbits(32):x}", "share_text": ""}
    return msg


def generate_export(out: Path, *, threads: int, messages: int, seed: int = 0) -> SyntheticManifest:
    """Write a synthetic export to `out` (a folder, or a .zip when the name ends with .zip)."""
    rng = random.Random(seed)
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
            section = "message_requests" if index > 0 and not is_group and rng.random() < 0.08 else "inbox"
            if is_group:
                others = [f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" for _ in range(rng.randint(2, 4))]
                others = list(dict.fromkeys(others))
                username = f"squad{index}"
                title = f"Squad {index} 🎲"
            else:
                others = [f"{rng.choice(_FIRST)} {rng.choice(_LAST)} {index}"]
                username = f"user{index:06d}.{rng.choice(_LAST).lower()[:4]}"
                title = others[0]
            if not username.isascii():
                username = f"user{index:06d}"
            folder = f"your_instagram_activity/messages/{section}/{username}_{10**15 + index}"
            names = [*others, OWNER]
            ts = rng.randint(1_546_300_800_000, 1_704_067_200_000)
            thread_messages = []
            for _ in range(size):
                ts += rng.randint(1_000, 6 * 3_600_000)
                sender = OWNER if rng.random() < 0.45 else rng.choice(others)
                thread_messages.append(_message(rng, sender, ts, names))
            thread_messages.reverse()  # newest first, as Meta writes them
            header = {
                "participants": [{"name": n} for n in names],
                "title": title,
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
                write(f"{folder}/message_{number}.json", json.dumps(_mojibake(doc), indent=1))
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
