"""Imports started from an upload: run in a background thread of the server process that took the upload.

Progress is kept in memory for polling and written to a small file per job (`<upload dir>/jobs/<id>.json`,
replaced whole on each change), so every process of a server started with several workers (`everreach serve
--workers N`) answers for every job, whichever took the upload. A job whose file says it is still running but
whose process has stopped (killed, or the server restarted) reads as failed, with why. The newest `KEEP_JOBS`
job files are kept.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Literal

from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker

from everreach.db.engine import transaction
from everreach.errors import NotFoundError, ValidationError
from everreach.ingest.service import ImportProgress, import_export

log = logging.getLogger(__name__)
ACCEPTED_SUFFIXES = (".zip", ".json", ".html", ".htm")
#: Finished jobs' files kept for the list of imports (the oldest go first).
KEEP_JOBS = 50
#: Progress alone is written to the job's file at most this often (a state change always is).
PROGRESS_SAVE_SECONDS = 0.25
STOPPED = "the server process running this import stopped before it finished; upload the export again"


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


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


class ImportJobs:
    """The imports of this server: those this process started in memory, every process's in the job files."""

    def __init__(self, *, sessions: sessionmaker[Session], upload_dir: Path) -> None:
        self.sessions = sessions
        self.upload_dir = upload_dir
        self.job_dir = upload_dir / "jobs"
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
            self._save(job)
        self._prune()
        threading.Thread(target=self._run, args=(job.id, path), name=f"import-{job.id[:8]}", daemon=True).start()
        return job.model_copy()

    def get(self, job_id: str) -> ImportJobRead:
        """A job by id (started by this process or another of the same server)."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None:
                return job.model_copy()
        found = self._load(self.job_dir / f"{job_id}.json") if job_id.isalnum() else None
        if found is None:
            raise NotFoundError(f"no import {job_id!r} on this server")
        return found

    def all(self) -> list[ImportJobRead]:
        """Every job, newest first."""
        found = {}
        for path in self.job_dir.glob("*.json") if self.job_dir.is_dir() else ():
            if (job := self._load(path)) is not None:
                found[job.id] = job
        with self._lock:
            found.update((j.id, j.model_copy()) for j in self._jobs.values())
        return sorted(found.values(), key=lambda j: j.started_at, reverse=True)

    def _update(self, job_id: str, *, save: bool = True, **changes: object) -> None:
        with self._lock:
            job = self._jobs[job_id].model_copy(update=changes)
            self._jobs[job_id] = job
            if save:
                self._save(job)

    def _save(self, job: ImportJobRead) -> None:
        """Write the job's file whole (a reader never sees half of one); called under the lock.

        Best effort: when the file cannot be written (a full disk, say), this process still answers for the job
        and the import goes on; only the other processes of the server cannot see it.
        """
        path = self.job_dir / f"{job.id}.json"
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        try:
            self.job_dir.mkdir(parents=True, exist_ok=True)
            temporary.write_text(json.dumps({"pid": os.getpid(), "job": job.model_dump(mode="json")}), "utf-8")
            temporary.replace(path)
        except OSError as exc:
            log.warning("import %s: its progress file could not be written (%s)", job.id, exc)

    def _load(self, path: Path) -> ImportJobRead | None:
        """The job in this file (failed when its process stopped mid-way), or None when it cannot be read."""
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            job = ImportJobRead.model_validate(stored["job"])
            pid = int(stored["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if job.state in ("queued", "running") and not _alive(pid):
            job = job.model_copy(update={"state": "failed", "error": STOPPED})
        return job

    def _prune(self) -> None:
        """Keep the newest KEEP_JOBS job files."""
        dated = []
        for path in self.job_dir.glob("*.json"):
            try:
                dated.append((path.stat().st_mtime, path))
            except FileNotFoundError:  # pruned by another process just now
                continue
        for _, old in sorted(dated, reverse=True)[KEEP_JOBS:]:
            old.unlink(missing_ok=True)

    def _run(self, job_id: str, path: Path) -> None:
        self._update(job_id, state="running", message="reading the export")
        shown = self.get(job_id).filename

        saved = [0.0]

        def progress(p: ImportProgress) -> None:
            now = time.monotonic()
            save = now - saved[0] >= PROGRESS_SAVE_SECONDS or p.units_done == p.units_total
            if save:
                saved[0] = now
            self._update(
                job_id,
                save=save,
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
