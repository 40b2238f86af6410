"""Zip bombs and oversized files: what a member may expand to is bounded and counted while reading (issue 17, 4)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import Engine

from everreach.ingest import import_export
from everreach.ingest.sources import ReadLimits
from tests.ingest.helpers import OWNER, msg

T0 = 1_700_000_000_000
GOOD = "your_instagram_activity/messages/inbox/good_1234567/message_1.json"
BOMB = "your_instagram_activity/messages/inbox/bomb_1234567/message_1.json"
MB = 1024 * 1024


def _thread(other: str) -> bytes:
    doc = {"participants": [{"name": other}, {"name": OWNER}],
           "messages": [msg(other, T0, "hello"), msg(OWNER, T0 + 1, "hi!")]}  # fmt: skip
    return json.dumps(doc).encode()


def bomb_zip(path: Path, *, size_mb: int = 200) -> Path:
    """A small zip (about 200 KB) holding a good thread and one member that expands to `size_mb` MB."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(GOOD, _thread("Good"))
        with archive.open(BOMB, "w", force_zip64=True) as member:
            block = b" " * MB
            for _ in range(size_mb):
                member.write(block)
    return path


def test_member_over_the_limit_is_refused_by_name(engine: Engine, tmp_path: Path) -> None:
    path = bomb_zip(tmp_path / "export.zip", size_mb=3)
    summary = import_export(engine, path, limits=ReadLimits(file_bytes=2 * MB))
    (failure,) = summary.files_with_errors
    assert failure.file == f"{path}:{BOMB}"
    assert "larger than the 2 MB allowed" in failure.error
    assert summary.messages_new == 2


def test_an_understated_size_does_not_get_a_member_through(engine: Engine, tmp_path: Path) -> None:
    """A header claiming 1 KB passes the first check; the member still ends as an error, never as its bytes."""
    path = bomb_zip(tmp_path / "export.zip", size_mb=3)
    data = bytearray(path.read_bytes())
    # The central directory entry of the member: uncompressed size at offset 24, its name at offset 46.
    entry = data.index(b"PK\x01\x02")
    while data[entry + 46 : entry + 46 + len(BOMB)] != BOMB.encode():
        entry = data.index(b"PK\x01\x02", entry + 4)
    data[entry + 24 : entry + 28] = (1024).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo(BOMB).file_size == 1024
    summary = import_export(engine, path, limits=ReadLimits(file_bytes=2 * MB))
    (failure,) = summary.files_with_errors
    assert failure.file == f"{path}:{BOMB}"
    assert "cannot read" in failure.error
    assert summary.messages_new == 2


def test_total_cap(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for n in range(4):
            archive.writestr(f"your_instagram_activity/messages/inbox/p{n}_1234567/message_1.json", _thread(f"P{n}"))
    size = len(_thread("P0"))
    summary = import_export(engine, path, limits=ReadLimits(file_bytes=MB, total_bytes=size * 2 + 10))
    assert summary.threads_imported == 2
    assert len(summary.files_with_errors) == 2
    assert "all files together" in summary.files_with_errors[0].error


def test_folder_file_over_the_limit(engine: Engine, tmp_path: Path) -> None:
    thread = tmp_path / "your_instagram_activity" / "messages" / "inbox" / "big_1234567"
    thread.mkdir(parents=True)
    (thread / "message_1.json").write_bytes(b" " * (2 * MB))
    summary = import_export(engine, tmp_path, limits=ReadLimits(file_bytes=MB))
    (failure,) = summary.files_with_errors
    assert failure.file == str(thread / "message_1.json")
    assert "larger than the 1 MB allowed" in failure.error


def test_limits_from_settings(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from everreach import config

    monkeypatch.setenv("EVERREACH_IMPORT_MAX_FILE_MB", "2")
    config.reset()
    path = bomb_zip(tmp_path / "export.zip", size_mb=3)
    summary = import_export(engine, path)
    assert "larger than the 2 MB allowed" in summary.files_with_errors[0].error


@pytest.mark.parametrize("_engine", ["sqlite"])
def test_zip_bomb_peak_memory_stays_bounded(_engine: str, tmp_path: Path) -> None:
    """The default limits keep a 200 MB member from being held in memory (peak RSS well under 200 MB)."""
    path = bomb_zip(tmp_path / "export.zip", size_mb=200)
    assert path.stat().st_size < 1 * MB
    script = textwrap.dedent(
        f"""
        import json, sys
        from everreach.db.engine import make_engine
        from everreach.db.migrate import upgrade
        from everreach.ingest import import_export
        engine = make_engine("sqlite:///{tmp_path / "bomb.db"}")
        upgrade(engine)
        summary = import_export(engine, __import__("pathlib").Path("{path}"))
        # VmHWM, not ru_maxrss: ru_maxrss survives exec, so it would count the forking pytest process's pages.
        with open("/proc/self/status") as status:
            peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))
        print(json.dumps({{"peak_mb": peak_kb / 1024, "summary": summary.model_dump()}}))
        """
    )
    env = {**os.environ, "EVERREACH_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    failures = result["summary"]["files_with_errors"]
    assert [f["file"] for f in failures] == [f"{path}:{BOMB}"]
    assert "larger than the 64 MB allowed" in failures[0]["error"]
    assert result["summary"]["messages_new"] == 2
    assert result["peak_mb"] < 200, result["peak_mb"]
