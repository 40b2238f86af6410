"""An upload's rescore that fails ends the job failed, with why (issue 17, finding 2; seen again by tests/soak).

The rescore used to run after the job said `done`, in the job's thread: an error there killed the thread with a
traceback in the server log while the dashboard showed the import as done.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from everreach.db.models import Contact
from everreach.ingest.jobs import ImportJobRead, ImportJobs
from everreach.relationship import service
from tests.ingest.helpers import OWNER, msg, zipped_export

T0 = 1_700_000_000_000


def _upload(engine: Engine, tmp_path: Path) -> ImportJobRead:
    buffer = io.BytesIO(
        zipped_export([("Ana", [msg("Ana", T0, "how is the launch going?"), msg(OWNER, T0 + 1, "great, thanks!")])])
    )
    jobs = ImportJobs(sessions=sessionmaker(bind=engine), upload_dir=tmp_path / "uploads")
    job = jobs.start(filename="export.zip", stream=buffer)
    deadline = time.monotonic() + 60
    while (job := jobs.get(job.id)).state in ("queued", "running"):
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
    return job


def test_done_means_rescored(engine: Engine, tmp_path: Path) -> None:
    job = _upload(engine, tmp_path)
    assert (job.state, job.error) == ("done", None)
    with Session(engine) as s:
        assert s.scalar(select(Contact.relationship_score)) is not None


def test_a_failed_rescore_fails_the_job_with_why(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_session: Session) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(service, "recompute_all", broken)
    job = _upload(engine, tmp_path)
    assert job.state == "failed"
    assert job.error == "the messages are imported but the scores could not be updated (RuntimeError: disk full)"
    assert job.summary is not None
    assert job.summary["messages_new"] == 2
