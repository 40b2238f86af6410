"""Where files come from: links out of the export are refused, a mistyped path is a clear error (issue 17, 7)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import Result

from everreach.errors import ValidationError
from everreach.ingest import import_export
from tests.ingest.helpers import OWNER, msg, write_thread

T0 = 1_700_000_000_000


def test_file_link_pointing_outside_is_refused(engine: Engine, tmp_path: Path) -> None:
    export = tmp_path / "export"
    write_thread(export, "good_1234567", [msg("Good", T0, "hello"), msg(OWNER, T0 + 1, "hi!")], other="Good")
    secret = tmp_path / "outside" / "message_1.json"
    secret.parent.mkdir()
    secret.write_text(json.dumps({"participants": [], "messages": [msg("Evil", T0, "stolen")]}))
    folder = export / "your_instagram_activity" / "messages" / "inbox" / "evil_1234567"
    folder.mkdir(parents=True)
    (folder / "message_1.json").symlink_to(secret)
    summary = import_export(engine, export)
    (failure,) = summary.files_with_errors
    assert failure.file == str(folder / "message_1.json")
    assert "outside the export" in failure.error
    assert summary.messages_new == 2


def test_file_link_inside_the_export_is_read(engine: Engine, tmp_path: Path) -> None:
    thread = write_thread(tmp_path, "good_1234567", [msg("Good", T0, "hello")], other="Good")
    (thread / "message_1.json").rename(tmp_path / "real.json")
    (thread / "message_1.json").symlink_to(tmp_path / "real.json")
    summary = import_export(engine, tmp_path)
    assert summary.files_with_errors == []
    assert summary.messages_new == 1


def test_not_a_regular_file_is_refused(engine: Engine, tmp_path: Path) -> None:
    write_thread(tmp_path, "good_1234567", [msg("Good", T0, "hello"), msg(OWNER, T0 + 1, "hi!")], other="Good")
    folder = tmp_path / "your_instagram_activity" / "messages" / "inbox" / "fifo_1234567"
    folder.mkdir(parents=True)
    os.mkfifo(folder / "message_1.json")  # reading it would block forever
    summary = import_export(engine, tmp_path)
    (failure,) = summary.files_with_errors
    assert "not a regular file" in failure.error
    assert summary.messages_new == 2


def test_mistyped_path_names_the_missing_part_and_close_names(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "instagram-export.zip").write_bytes(b"")
    with pytest.raises(ValidationError) as caught:
        import_export(engine, tmp_path / "instagram-exprot.zip")
    assert "did you mean" in str(caught.value)
    assert "instagram-export.zip" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        import_export(engine, tmp_path / "nope" / "deeper" / "x.zip")
    assert f"{tmp_path / 'nope'} does not exist" in str(caught.value)


def test_cli_mistyped_path(cli: Callable[..., Result], tmp_path: Path) -> None:
    (tmp_path / "export").mkdir()
    result = cli("import", str(tmp_path / "exprot"))
    assert result.exit_code == 1
    assert "no such file or folder" in result.stderr
    assert str(tmp_path / "export") in result.stderr
    assert "Traceback" not in result.stderr
