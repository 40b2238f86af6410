"""Import routes: upload an export (processed in the background) and follow its progress."""

from __future__ import annotations

from typing import Annotated

from fastapi import File, Path, Request, UploadFile

from everreach.http import routes
from everreach.ingest.jobs import ImportJobRead, ImportJobs

router = routes.router(prefix="/imports", tags=["import"])
JobId = Annotated[str, Path(min_length=1, max_length=64)]


def jobs(request: Request) -> ImportJobs:
    """The app's import job registry."""
    registry: ImportJobs = request.app.state.imports
    return registry


@router.post("", response_model=ImportJobRead, status_code=202)
def upload(request: Request, file: Annotated[UploadFile, File(description="The export .zip")]) -> ImportJobRead:
    """Start importing an uploaded export; poll `GET /imports/{id}` for progress."""
    return jobs(request).start(filename=file.filename or "upload", stream=file.file)


@router.get("", response_model=list[ImportJobRead])
def list_imports(request: Request) -> list[ImportJobRead]:
    """Imports started on this server (by any of its worker processes), newest first."""
    return jobs(request).all()


@router.get("/{job_id}", response_model=ImportJobRead)
def progress(request: Request, job_id: JobId) -> ImportJobRead:
    """One import's progress and, when done, its summary."""
    return jobs(request).get(job_id)
