"""Hostile or damaged files: one bad file or message never aborts the import (issue 17, findings 3 and 7)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import Result

from everreach.db.models import Contact, Message
from everreach.ingest import import_export
from tests.ingest.helpers import OWNER, msg, write_thread

T0 = 1_700_000_000_000


def _good(root: Path) -> None:
    write_thread(root, "good_1234567", [msg("Good", T0, "hello"), msg(OWNER, T0 + 1, "hi!")], other="Good")


def _texts(engine: Engine) -> list[str]:
    with Session(engine) as s:
        return sorted(s.scalars(select(Message.message_text)))


def test_deeply_nested_json_is_a_file_error(engine: Engine, tmp_path: Path) -> None:
    _good(tmp_path)
    bad = write_thread(tmp_path, "deep_1234567", [msg("Deep", T0, "x")], other="Deep") / "message_1.json"
    bad.write_text("[" * 100_000 + "]" * 100_000)
    summary = import_export(engine, tmp_path)
    (failure,) = summary.files_with_errors
    assert failure.file == str(bad)
    assert "nested too deeply" in failure.error
    assert (summary.threads_imported, summary.messages_new) == (1, 2)


def test_deep_extras_inside_a_message_are_a_file_error(engine: Engine, tmp_path: Path) -> None:
    _good(tmp_path)
    deep: object = "leaf"
    for _ in range(900):  # parses (under Python's limit) but too deep to store and walk safely
        deep = [deep]
    bad = write_thread(tmp_path, "deep_1234567", [msg("Deep", T0, "x", share=deep)], other="Deep")
    summary = import_export(engine, tmp_path)
    (failure,) = summary.files_with_errors
    assert failure.file == str(bad / "message_1.json")
    assert "message 1" in failure.error
    assert "nested too deeply" in failure.error
    assert summary.messages_new == 2


def test_deeply_nested_html_does_not_crash(engine: Engine, tmp_path: Path) -> None:
    _good(tmp_path)
    folder = tmp_path / "your_instagram_activity" / "messages" / "inbox" / "deep_1234567"
    folder.mkdir(parents=True)
    body = "<div>" * 20_000 + "hi there" + "</div>" * 20_000  # its text is collected below Python's limit
    block = f"<div><h2>Deep</h2>{body}<div>Aug 11, 2023 2:19 pm</div></div>"
    (folder / "message_1.html").write_text(f"<html><body>{block}</body></html>")
    summary = import_export(engine, tmp_path)
    assert summary.files_with_errors == []
    assert summary.messages_new == 3
    assert "hi there" in _texts(engine)


def test_lone_surrogate_is_replaced_counted_and_named(engine: Engine, tmp_path: Path) -> None:
    _good(tmp_path)
    folder = write_thread(tmp_path, "surr_1234567", [msg("Surr", T0, "a?b"), msg("Surr", T0 + 5, "fine")], other="Surr")
    path = folder / "message_1.json"
    path.write_text(path.read_text().replace('"a?b"', '"a\\ud800b"'))
    summary = import_export(engine, tmp_path)
    assert summary.files_with_errors == []
    assert summary.messages_cleaned == 1
    (problem,) = summary.message_problems
    assert problem.file == str(path)
    assert problem.count == 1
    assert "message 2" in problem.example  # newest first in the file: the cleaned one is second
    assert not summary.ok
    assert "a\ufffdb" in _texts(engine)
    assert summary.messages_new == 4


def test_nul_in_sender_and_participants_is_dropped(engine: Engine, tmp_path: Path) -> None:
    _good(tmp_path)
    write_thread(
        tmp_path, "nul_1234567", [msg("Ba\x00d", T0, "x"), msg(OWNER, T0 + 1, "y\x00z")], other="Ba\x00d", title="T\x00"
    )
    summary = import_export(engine, tmp_path)
    assert summary.files_with_errors == []
    assert summary.messages_new == 4
    assert summary.messages_cleaned == 2
    with Session(engine) as s:
        names = set(s.scalars(select(Contact.display_name)))
    assert "Bad" in names
    assert "yz" in _texts(engine)


def test_nul_and_surrogate_in_html_links_and_media_are_scrubbed(engine: Engine, tmp_path: Path) -> None:
    # Found by the import fuzz on PostgreSQL: a link of only a NUL left an empty text, so the stored stand-in
    # "[share] <link>" carried the raw NUL into message_text.
    folder = tmp_path / "messages" / "inbox" / "html_1234567"
    folder.mkdir(parents=True)
    block = "<div><h2>Html</h2><div><div>{inner}</div></div><div>Aug 11, 2023 2:{m} pm</div></div>"
    blocks = [
        block.format(inner='<a href="\x00">\x00</a>', m="19"),
        block.format(inner='<a href="https://x.example/a\x00b">https://x.example/a\x00b</a>', m="20"),
        block.format(inner='<img src="p\x00\ud800.jpg">', m="21"),
    ]
    html = f"<html><head><title>T\ud800</title></head><body>{''.join(blocks)}</body></html>"
    (folder / "message_1.html").write_bytes(html.encode("utf-8", "surrogatepass"))
    summary = import_export(engine, tmp_path, owner="Ana")
    assert summary.files_with_errors == []
    assert summary.messages_new == 3
    texts = _texts(engine)
    assert not any("\x00" in t for t in texts)
    assert "[share] https://x.example/ab" in texts or "https://x.example/ab" in texts
    with Session(engine) as s:
        raws = [json.dumps(r) for r in s.scalars(select(Message.raw_data)) if r]
    assert raws
    assert not any("\\u0000" in r or "\\ud800" in r for r in raws)


def test_non_finite_numbers_in_extras_are_dropped(engine: Engine, tmp_path: Path) -> None:
    _good(tmp_path)
    write_thread(tmp_path, "nan_1234567", [msg("Nan", T0, "x", share={"link": "l", "n": float("nan")})], other="Nan")
    summary = import_export(engine, tmp_path)
    assert summary.files_with_errors == []
    assert (summary.messages_new, summary.messages_cleaned) == (3, 1)


def test_invalid_timestamps_are_counted_and_named(engine: Engine, tmp_path: Path) -> None:
    _good(tmp_path)
    items = [msg("Time", T0, "kept"), msg("Time", 10**20, "far"), {"sender_name": "Time", "content": "none"}]
    folder = write_thread(tmp_path, "time_1234567", items[:2], other="Time")
    path = folder / "message_1.json"
    doc = json.loads(path.read_text())
    doc["messages"].append(items[2])
    path.write_text(json.dumps(doc))
    summary = import_export(engine, tmp_path)
    assert summary.messages_invalid_time == 2
    (problem,) = summary.message_problems
    assert (problem.file, problem.count) == (str(path), 2)
    assert "invalid" in problem.problem
    assert summary.messages_new == 3


def test_invalid_html_and_legacy_times_are_counted(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "messages" / "inbox" / "ana_1234567"
    folder.mkdir(parents=True)
    block = "<div><h2>Ana</h2><div>{text}</div><div>{when}</div></div>"
    html = block.format(text="ok", when="Aug 11, 2023 2:19 pm") + block.format(text="bad", when="Smarch 99, 2023")
    (folder / "message_1.html").write_text(f"<html><body>{html}</body></html>")
    legacy = [{"participants": ["ana", "me"], "conversation": [
        {"sender": "ana", "created_at": "2019-01-01T10:00:00Z", "text": "a"},
        {"sender": "ana", "created_at": "not a time", "text": "b"},
    ]}]  # fmt: skip
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "messages.json").write_text(json.dumps(legacy))
    summary = import_export(engine, tmp_path, owner="me")
    assert summary.messages_invalid_time == 2
    assert sorted(p.file for p in summary.message_problems) == sorted(
        [str(folder / "message_1.html"), str(tmp_path / "legacy" / "messages.json")]
    )


def test_cli_reports_message_problems_with_exit_1(cli: Callable[..., Result], tmp_path: Path) -> None:
    _good(tmp_path)
    folder = write_thread(tmp_path, "time_1234567", [msg("Time", T0, "kept"), msg("Time", -1, "x")], other="Time")
    bad = write_thread(tmp_path, "deep_1234567", [msg("Deep", T0, "x")], other="Deep") / "message_1.json"
    bad.write_text("[" * 100_000 + "]" * 100_000)
    result = cli("import", str(tmp_path))
    assert result.exit_code == 1
    assert "1 message with an invalid time left out" in result.stdout
    assert f"{folder / 'message_1.json'}: 1 message(s) with an invalid time left out" in result.stderr
    assert f"error: {bad}: nested too deeply" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    data = json.loads(cli("import", str(tmp_path), "--json").stdout)
    assert data["messages_invalid_time"] == 1
    assert data["message_problems"][0]["file"] == str(folder / "message_1.json")
