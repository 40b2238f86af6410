"""Imports from a dashboard upload: a bad file is listed, the good threads are imported (issue 17, finding 3)."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from everreach.db.models import Message
from everreach.ingest.jobs import ImportJobRead, ImportJobs
from tests.ingest.helpers import OWNER, msg

T0 = 1_700_000_000_000
INBOX = "your_instagram_activity/messages/inbox"


def _thread(other: str, text: str = "hello") -> str:
    doc = {"participants": [{"name": other}, {"name": OWNER}],
           "messages": [msg(other, T0, text), msg(OWNER, T0 + 1, "hi!")]}  # fmt: skip
    return json.dumps(doc)


def _upload(engine: Engine, tmp_path: Path, members: dict[str, str]) -> ImportJobRead:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text.encode("utf-8", "surrogatepass"))
    buffer.seek(0)
    jobs = ImportJobs(sessions=sessionmaker(bind=engine), upload_dir=tmp_path / "uploads")
    job = jobs.start(filename="export.zip", stream=buffer)
    deadline = time.monotonic() + 60
    while (job := jobs.get(job.id)).state in ("queued", "running") or (job.state == "done" and not job.finished_at):
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
    return job


def _messages(engine: Engine) -> int:
    with Session(engine) as s:
        return s.scalar(select(func.count()).select_from(Message)) or 0


def test_bad_files_are_listed_and_good_threads_imported(engine: Engine, tmp_path: Path) -> None:
    deep = f"{INBOX}/deep_1234567/message_1.json"
    job = _upload(
        engine,
        tmp_path,
        {
            f"{INBOX}/good_1234567/message_1.json": _thread("Good"),
            f"{INBOX}/surr_1234567/message_1.json": _thread("Surr", "a\ud800b"),
            deep: "[" * 100_000 + "]" * 100_000,
        },
    )
    assert job.state == "done", job
    assert job.summary is not None
    assert [f["file"] for f in job.summary["files_with_errors"]] == [f"{tmp_path / 'uploads'}/{job.id}.zip:{deep}"]
    assert job.error is not None
    assert deep in job.error
    assert "nested too deeply" in job.error
    assert job.summary["messages_cleaned"] == 1
    assert _messages(engine) == 4


def test_nothing_importable_ends_failed_with_why(engine: Engine, tmp_path: Path) -> None:
    deep = f"{INBOX}/deep_1234567/message_1.json"
    job = _upload(engine, tmp_path, {deep: "[" * 100_000 + "]" * 100_000})
    assert job.state == "failed", job
    assert job.error is not None
    assert "nested too deeply" in job.error
    assert job.summary is not None
    assert job.summary["threads_imported"] == 0
    assert _messages(engine) == 0
