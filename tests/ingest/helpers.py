"""Small keyword-only factories for ingest tests: export folders written from plain dicts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"
OWNER = "Jordan Reyes"


def shared_fixtures() -> Path:
    """`../shared/fixtures/instagram-export` beside the repository (CI has it too, read-only)."""
    repo = Path(__file__).resolve().parents[2]
    path = repo.parent / "shared" / "fixtures" / "instagram-export"
    assert path.is_dir(), f"shared fixtures missing at {path}"
    return path


def mojibake(text: str) -> str:
    """How Meta writes non-ASCII text: each UTF-8 byte as its own code point."""
    return text.encode("utf-8").decode("latin-1")


def msg(sender: str, ms: int, content: str | None = None, **extra: Any) -> dict[str, Any]:
    """One export message."""
    item: dict[str, Any] = {"sender_name": sender, "timestamp_ms": ms}
    if content is not None:
        item["content"] = content
    item.update(extra)
    return item


def write_thread(
    root: Path,
    folder: str,
    messages: list[dict[str, Any]],
    *,
    other: str,
    owner: str = OWNER,
    section: str = "inbox",
    per_file: int = 10_000,
    extra_participants: tuple[str, ...] = (),
    title: str | None = None,
) -> Path:
    """Write a thread in the current layout, newest first, split into files of `per_file` messages."""
    thread_dir = root / "your_instagram_activity" / "messages" / section / folder
    thread_dir.mkdir(parents=True, exist_ok=True)
    ordered = sorted(messages, key=lambda m: m["timestamp_ms"], reverse=True)
    participants = [{"name": n} for n in (other, *extra_participants, owner)]
    chunks = [ordered[i : i + per_file] for i in range(0, len(ordered), per_file)] or [[]]
    for number, chunk in enumerate(chunks, start=1):
        doc = {
            "participants": participants,
            "messages": chunk,
            "title": title or other,
            "is_still_participant": True,
            "thread_path": f"{section}/{folder}",
        }
        (thread_dir / f"message_{number}.json").write_text(json.dumps(doc), encoding="utf-8")
    return thread_dir


def zipped_export(threads: list[tuple[str, list[dict[str, Any]]]]) -> bytes:
    """An export .zip in memory: each (other person's name, messages) as one inbox thread with the owner."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i, (other, messages) in enumerate(threads):
            doc = {"participants": [{"name": other}, {"name": OWNER}], "messages": messages}
            archive.writestr(f"your_instagram_activity/messages/inbox/thread_{i}/message_1.json", json.dumps(doc))
    return buffer.getvalue()
