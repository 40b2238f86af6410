"""Bad input and the command line: clear messages naming files, other threads still imported, exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine
from typer.testing import Result

from everreach.ingest import import_export
from tests.ingest.helpers import OWNER, msg, write_thread

T0 = 1_700_000_000_000


def good_and_bad(root: Path) -> Path:
    write_thread(root, "good_1234567", [msg("Good", T0, "hello"), msg(OWNER, T0 + 1, "hi!")], other="Good")
    write_thread(root, "other_1234567", [msg("Other", T0, "hey"), msg(OWNER, T0 + 1, "yo!")], other="Other")
    bad = write_thread(root, "broken_1234567", [msg("Broken", T0, "x")], other="Broken")
    (bad / "message_2.json").write_text('{"participants": [], "messages": [ {"sender_name": ')
    return bad / "message_2.json"


def test_malformed_file_is_named_and_others_imported(engine: Engine, tmp_path: Path) -> None:
    bad = good_and_bad(tmp_path)
    summary = import_export(engine, tmp_path)
    assert not summary.ok
    (failure,) = summary.files_with_errors
    assert failure.file == str(bad)
    assert "malformed JSON" in failure.error
    # the broken thread is skipped whole (its good message_1.json too): no half thread
    assert (summary.threads_imported, summary.messages_new) == (2, 4)


def test_cli_summary_and_exit_code(cli: Callable[..., Result], tmp_path: Path) -> None:
    bad = good_and_bad(tmp_path)
    result = cli("import", str(tmp_path))
    assert result.exit_code == 1
    assert "threads: 2 imported of 2" in result.stdout
    assert "contacts: 2 new, 0 updated" in result.stdout
    assert "messages: 4 new, 0 duplicate" in result.stdout
    assert f"error: {bad}: malformed JSON" in result.stderr
    bad.unlink()
    again = cli("import", str(tmp_path), "--json")
    assert again.exit_code == 0
    data = json.loads(again.stdout)
    assert data["messages_new"] == 1
    assert data["messages_duplicate"] == 4
    assert data["owner"] == OWNER
    assert data["files_with_errors"] == []


def test_cli_corrupt_zip(cli: Callable[..., Result], tmp_path: Path) -> None:
    bad = tmp_path / "instagram-export.zip"
    bad.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    result = cli("import", str(bad), "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["files_with_errors"][0]["file"] == str(bad)
    assert "zip" in data["files_with_errors"][0]["error"]


def test_cli_not_an_export(cli: Callable[..., Result], tmp_path: Path) -> None:
    stray = tmp_path / "notes.json"
    stray.write_text('{"title": "shopping list", "items": ["milk"]}')
    result = cli("import", str(stray))
    assert result.exit_code == 1
    assert f"error: {stray}: not an Instagram or Messenger message file" in result.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    result = cli("import", str(empty))
    assert result.exit_code == 1
    assert "no Instagram or Messenger message files found" in result.stderr


def test_cli_missing_path(cli: Callable[..., Result], tmp_path: Path) -> None:
    result = cli("import", str(tmp_path / "nope.zip"))
    assert result.exit_code == 1
    assert "no such file or folder" in result.stderr


def test_cli_owner_and_groups(cli: Callable[..., Result], tmp_path: Path) -> None:
    write_thread(
        tmp_path, "crew_1234567", [msg("A", T0, "plans?"), msg("B", T0 + 1, "sat")], other="A",
        extra_participants=("B",), title="Crew",
    )  # fmt: skip
    skipped = json.loads(cli("import", str(tmp_path), "--owner", OWNER, "--json").stdout)
    assert (skipped["groups_skipped"], skipped["skipped_groups"], skipped["owner_source"]) == (1, ["Crew"], "given")
    included = json.loads(cli("import", str(tmp_path), "--owner", OWNER, "--include-groups", "--json").stdout)
    assert (included["threads_imported"], included["messages_new"]) == (1, 2)


def test_synth_export_command(cli: Callable[..., Result], tmp_path: Path) -> None:
    out = tmp_path / "synth"
    made = json.loads(cli("dev", "synth-export", str(out), "--threads", "12", "--messages", "300", "--json").stdout)
    files = list(out.rglob("message_*.json"))
    assert made["files"] == len(files)
    assert made["messages"] == 300
    raw = files[0].read_text()
    assert raw.isascii()  # non-ASCII is written as Meta's \u00XX mojibake
    imported = json.loads(cli("import", str(out), "--json").stdout)
    assert imported["messages_new"] == made["one_to_one_messages"]
