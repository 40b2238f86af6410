"""Import upload: runs in the background, progress visible, summary at the end."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from everreach.db.models import Message
from everreach.ingest.synthetic import generate_export
from tests.http.conftest import csrf


def wait_done(client: Any, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/imports/{job_id}").json()
        if job["state"] in ("done", "failed"):
            return dict(job)
        time.sleep(0.1)
    raise AssertionError("import did not finish")


def zipped(folder: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())
    return buf.getvalue()


def test_upload_imports_with_progress(client: Any, session: Session, tmp_path: Path) -> None:
    generate_export(tmp_path / "export", threads=4, messages=60, seed=3)
    data = zipped(tmp_path / "export")
    r = client.post(
        "/api/v1/imports",
        files={"file": ("instagram.zip", data, "application/zip")},
        headers={"X-CSRF-Token": csrf(client)},
    )
    assert r.status_code == 202, r.text
    job = wait_done(client, r.json()["id"])
    assert job["state"] == "done", job
    assert job["total"]
    assert job["done"] == job["total"]
    assert job["summary"]["messages_new"] > 0
    session.commit()
    assert session.scalar(select(func.count()).select_from(Message)) == job["summary"]["messages_new"]
    assert [j["id"] for j in client.get("/api/v1/imports").json()] == [job["id"]]
    assert "instagram.zip" in client.get("/import/jobs").text
    # same upload again: nothing new
    again = client.post(
        "/api/v1/imports",
        files={"file": ("instagram.zip", data, "application/zip")},
        headers={"X-CSRF-Token": csrf(client)},
    )
    assert wait_done(client, again.json()["id"])["summary"]["messages_new"] == 0


def test_upload_refusals(client: Any) -> None:
    token = csrf(client)
    bad = client.post(
        "/api/v1/imports", files={"file": ("notes.txt", b"x", "text/plain")}, headers={"X-CSRF-Token": token}
    )
    assert bad.status_code == 422
    assert "not an export" in bad.json()["detail"]
    corrupt = client.post(
        "/api/v1/imports",
        files={"file": ("broken.zip", b"PK\x03\x04garbage", "application/zip")},
        headers={"X-CSRF-Token": token},
    )
    job = wait_done(client, corrupt.json()["id"])
    assert job["error"]
    assert client.get("/api/v1/imports/unknown").status_code == 404
