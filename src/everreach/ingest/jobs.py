"""Imports started from an upload: run in a background thread, progress kept in memory for polling."""

from __future__ import annotations

import shutil
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Literal

from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker

from everreach.db.engine import transaction
from everreach.errors import NotFoundError, ValidationError
from everreach.ingest.service import ImportProgress, import_export

ACCEPTED_SUFFIXES = (".zip", ".json", ".html", ".htm")


class ImportJobRead(BaseModel):
    """An import started from an upload, with its progress."""

    id: str
    filename: str
    state: Literal["queued", "running", "done", "failed"]
    done: int = 0
    total: int | None = None
    message: str = ""
    summary: dict[str, Any] | None = None
    error: str | None = None
    started_at: datetime
    finished_at: datetime | None = None


class ImportJobs:
    """The imports this app process has started (progress is per process; results are in the database)."""

    def __init__(self, *, sessions: sessionmaker[Session], upload_dir: Path) -> None:
        self.sessions = sessions
        self.upload_dir = upload_dir
        self._jobs: dict[str, ImportJobRead] = {}
        self._lock = threading.Lock()

    def start(self, *, filename: str, stream: BinaryIO) -> ImportJobRead:
        """Save the upload and import it in a background thread; returns the job to poll."""
        name = Path(filename or "upload").name
        suffix = Path(name).suffix.lower()
        if suffix not in ACCEPTED_SUFFIXES:
            raise ValidationError(f"{name!r} is not an export: upload the .zip (or a message .json/.html file)")
        job = ImportJobRead(id=uuid.uuid4().hex, filename=name, state="queued", started_at=datetime.now(UTC))
        self.upload_dir.mkdir(parents=True, exist_ok=True)
        path = self.upload_dir / f"{job.id}{suffix}"
        with path.open("wb") as out:
            shutil.copyfileobj(stream, out, 1024 * 1024)
        with self._lock:
            self._jobs[job.id] = job
        threading.Thread(target=self._run, args=(job.id, path), name=f"import-{job.id[:8]}", daemon=True).start()
        return job.model_copy()

    def get(self, job_id: str) -> ImportJobRead:
        """A job by id."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                raise NotFoundError(f"no import {job_id!r} in this server process")
            return job.model_copy()

    def all(self) -> list[ImportJobRead]:
        """Every job, newest first."""
        with self._lock:
            return sorted((j.model_copy() for j in self._jobs.values()), key=lambda j: j.started_at, reverse=True)

    def _update(self, job_id: str, **changes: object) -> None:
        with self._lock:
            job = self._jobs[job_id]
            self._jobs[job_id] = job.model_copy(update=changes)

    def _run(self, job_id: str, path: Path) -> None:
        self._update(job_id, state="running", message="reading the export")
        shown = self.get(job_id).filename

        def progress(p: ImportProgress) -> None:
            self._update(
                job_id,
                done=p.units_done,
                total=p.units_total,
                message=f"{p.messages_new} new messages · {p.current}",
            )

        try:
            summary = import_export(self.sessions, path, progress=progress)
        except Exception as exc:  # reported to the user on the progress endpoint, never lost silently
            error = (str(exc) or type(exc).__name__).replace(str(path), shown)
            self._update(job_id, state="failed", error=error, finished_at=datetime.now(UTC))
        else:
            failed = summary.files_with_errors
            # The saved upload's server path means nothing to the user: name the file they uploaded.
            names = [shown if f.file == str(path) else f.file.replace(str(path), shown) for f in failed[:5]]
            # Bad files are listed and the rest imported; the job failed only when nothing could be imported.
            nothing = bool(failed) and summary.threads_imported == 0
            errors = "; ".join(f"{n}: {f.error}" for n, f in zip(names, failed[:5], strict=True)) or None
            unscored = None if nothing else self._rescore(job_id)
            self._update(
                job_id,
                state="failed" if nothing or unscored else "done",
                summary=summary.model_dump(),
                error="; ".join(e for e in (errors, unscored) if e) or None,
                message="nothing could be read from it"
                if nothing
                else f"{summary.messages_new} new messages, {summary.messages_duplicate} already there",
                finished_at=datetime.now(UTC),
            )
        finally:
            path.unlink(missing_ok=True)

    def _rescore(self, job_id: str) -> str | None:
        """Recompute every score once the messages are in (so the dashboard shows them); None, or why it failed.

        A write unit (see `transaction`): two uploads finishing together, or `everreach score`, take turns.
        """
        from everreach.relationship.service import recompute_all

        self._update(job_id, message="updating scores")
        try:
            with transaction(self.sessions, write=True) as session:
                recompute_all(session)
        except Exception as exc:  # the job says failed, with why, instead of a thread dying after "done"
            return f"the messages are imported but the scores could not be updated ({type(exc).__name__}: {exc})"
        return None
