"""Import jobs are answered by every process of a server (their files), and a job whose process died says so."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from everreach.errors import NotFoundError
from everreach.ingest import jobs as jobs_module
from everreach.ingest.jobs import STOPPED, ImportJobRead, ImportJobs
from tests.ingest.helpers import OWNER, msg, zipped_export

T0 = 1_700_000_000_000


def _export() -> io.BytesIO:
    messages = [msg("Ana", T0, "how is the launch going?"), msg(OWNER, T0 + 1, "great, thanks!")]
    return io.BytesIO(zipped_export([("Ana", messages)]))


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_job_started_in_one_process_is_answered_by_another(engine: Engine, tmp_path: Path) -> None:
    uploads = tmp_path / "uploads"
    took_it = ImportJobs(sessions=sessionmaker(bind=engine), upload_dir=uploads)
    other = ImportJobs(sessions=sessionmaker(bind=engine), upload_dir=uploads)  # another worker's registry
    job = took_it.start(filename="export.zip", stream=_export())
    assert other.get(job.id).filename == "export.zip"
    deadline = time.monotonic() + 60
    while (seen := other.get(job.id)).state in ("queued", "running"):
        assert time.monotonic() < deadline, seen
        time.sleep(0.05)
    assert (seen.state, seen.error) == ("done", None)
    assert seen == took_it.get(job.id)
    assert seen.summary is not None
    assert seen.summary["messages_new"] == 2
    assert [j.id for j in other.all()] == [job.id]


def test_a_running_job_whose_process_stopped_reads_as_failed(engine: Engine, tmp_path: Path) -> None:
    registry = ImportJobs(sessions=sessionmaker(bind=engine), upload_dir=tmp_path / "uploads")
    registry.job_dir.mkdir(parents=True)
    started = datetime(2026, 12, 1, tzinfo=UTC)
    job = ImportJobRead(id="a" * 32, filename="big.zip", state="running", done=3, total=9, started_at=started)
    (registry.job_dir / f"{job.id}.json").write_text(
        json.dumps({"pid": _dead_pid(), "job": job.model_dump(mode="json")})
    )
    seen = registry.get(job.id)
    assert (seen.state, seen.error, seen.done) == ("failed", STOPPED, 3)
    assert [j.state for j in registry.all()] == ["failed"]


def test_unknown_unreadable_and_odd_ids_are_not_found(engine: Engine, tmp_path: Path) -> None:
    registry = ImportJobs(sessions=sessionmaker(bind=engine), upload_dir=tmp_path / "uploads")
    registry.job_dir.mkdir(parents=True)
    (registry.job_dir / "broken.json").write_text("{not json")
    for job_id in ("nope", "broken", "../uploads"):
        with pytest.raises(NotFoundError):
            registry.get(job_id)
    assert registry.all() == []


def _finish(registry: ImportJobs, job_id: str) -> None:
    deadline = time.monotonic() + 60
    while registry.get(job_id).state in ("queued", "running"):
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_only_the_newest_job_files_are_kept(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs_module, "KEEP_JOBS", 2)
    registry = ImportJobs(sessions=sessionmaker(bind=engine), upload_dir=tmp_path / "uploads")
    ids = []
    for _ in range(3):
        ids.append(registry.start(filename="export.zip", stream=_export()).id)
        _finish(registry, ids[-1])
        time.sleep(0.02)  # distinct file times
    assert {p.stem for p in registry.job_dir.glob("*.json")} == set(ids[1:])


def test_a_job_file_that_cannot_be_written_does_not_stop_the_import(engine: Engine, tmp_path: Path) -> None:
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "jobs").write_text("a file where the job folder would be")  # every job file write fails
    registry = ImportJobs(sessions=sessionmaker(bind=engine), upload_dir=uploads)
    job = registry.start(filename="export.zip", stream=_export())
    _finish(registry, job.id)
    assert (registry.get(job.id).state, registry.get(job.id).error) == ("done", None)
