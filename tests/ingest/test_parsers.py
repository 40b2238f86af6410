"""Reading every format into ParsedThreads (no database): shared real-format samples and our own fixtures."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from everreach.ingest.mapping import detect_owner, identify, username_from_folder
from everreach.ingest.model import ParsedThread
from everreach.ingest.reader import read_unit
from everreach.ingest.sources import FileError, Source
from tests.ingest.helpers import FIXTURES, msg, shared_fixtures, write_thread


def read_all(path: Path) -> list[ParsedThread]:
    with Source(path) as source:
        return [t for unit in source.units() for t in read_unit(source, unit, timezone="UTC")]


def test_every_shared_file_is_read() -> None:
    root = shared_fixtures()
    threads = read_all(root)
    files = sorted(f for t in threads for f in t.files)
    on_disk = sorted(str(p) for p in root.rglob("*.json"))
    assert files == on_disk
    assert all(t.messages for t in threads)


def test_split_thread_is_merged_and_ordered() -> None:
    (squad,) = read_all(shared_fixtures() / "vroslmend-chat-flashback")
    assert len(squad.files) == 4
    assert len(squad.messages) == 94
    stamps = [m.timestamp_ms for m in squad.messages]
    assert stamps == sorted(stamps)
    assert squad.key == "saturdaysquad"
    assert squad.is_group_hint


def test_mojibake_reactions_and_media_of_the_testlog() -> None:
    (log,) = read_all(shared_fixtures() / "joweich-chat-miner" / "instagram_testlog.json")
    assert "J❤️hn Doe" in log.participants
    kinds = {m.message_type for m in log.messages}
    assert {"photo", "video", "audio", "share", "system", "poll", "text", "reaction"} <= kinds
    reacted = next(m for m in log.messages if m.text == "Testing message with reactions.")
    assert reacted.raw is not None
    assert reacted.raw["reactions"][0] == {"reaction": "❤️", "actor": "J❤️hn Doe"}
    assert any(m.text == "Testing username only emoji: ❤️" and m.sender == "❤️" for m in log.messages)


def test_current_layout_folder_gives_username() -> None:
    (thread,) = read_all(shared_fixtures() / "rmaatougui-instagram-export-parser")
    assert thread.folder_username == "examplefriend"
    assert thread.key == "examplefriend_0000000000000001"
    assert thread.participants == ["Example Friend", "Example User"]


def test_files_without_participants_use_senders() -> None:
    (thread,) = read_all(shared_fixtures() / "joweich-chat-miner" / "facebookMessenger_testlog.json")
    assert set(thread.participants) == {"Allan Smith", "John Doe"}


def test_bom_and_blank_line() -> None:
    (thread,) = read_all(FIXTURES / "bom")
    assert [m.message_type for m in thread.messages] == ["reaction", "text"]
    assert thread.messages[0].text == "Reacted ❤ to your message"


def test_html_export() -> None:
    (thread,) = read_all(FIXTURES / "html_export")
    assert thread.title == "Maya Chen"
    assert thread.folder_username == "maya.codes"
    texts = [(m.message_type, m.text) for m in thread.messages]
    assert texts[0] == ("text", "hey maya! loved the café post ☕ how's the launch going?")
    assert ("like", "Liked a message") in texts
    assert ("photo", "[photo]") in texts
    assert texts[-1][1] == "honestly i keep forgetting to follow up with people & it's costing me"
    assert thread.messages[-1].timestamp_ms == 1691763540000  # Aug 11, 2023 2:19 pm UTC


def test_legacy_messages_json() -> None:
    threads = read_all(FIXTURES / "legacy")
    assert [t.participants for t in threads] == [
        ["jordan.reyes", "old.friend"],
        ["jordan.reyes", "sam.builds"],
        ["jordan.reyes", "sam.builds", "old.friend"],
    ]
    first = threads[0]
    assert [m.message_type for m in first.messages] == ["text", "like", "share", "text"]
    assert first.messages[-1].text == "see you at the meetup 😊"
    assert detect_owner([t.participants for t in threads]) == "jordan.reyes"
    assert identify(first, "jordan.reyes").username == "old.friend"


def test_zip_and_folder_read_the_same(tmp_path: Path) -> None:
    root = tmp_path / "export"
    write_thread(root, "ana.k_123456789", [msg("Ana K", 1_000, "hi"), msg("Jordan Reyes", 2_000, "yo")], other="Ana K")
    (root / "your_instagram_activity" / "personal_information").mkdir(parents=True)
    (root / "your_instagram_activity" / "personal_information" / "info.json").write_text("{}")
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in root.rglob("*"):
            if path.is_file():
                zf.write(path, path.relative_to(root).as_posix())
    from_folder, from_zip = read_all(root), read_all(archive)
    assert [(t.key, len(t.messages)) for t in from_folder] == [(t.key, len(t.messages)) for t in from_zip]
    assert len(from_folder) == 1  # personal_information/info.json is not a message file


def test_sections_set_tab_and_archive(tmp_path: Path) -> None:
    write_thread(tmp_path, "a_1234567", [msg("A", 1, "x")], other="A", section="message_requests")
    write_thread(tmp_path, "b_1234567", [msg("B", 1, "x")], other="B", section="archived_threads")
    by_key = {t.key: t for t in read_all(tmp_path)}
    a, b = by_key["a_1234567"], by_key["b_1234567"]
    assert (a.tab, a.is_archived) == ("requests", False)
    assert (b.tab, b.is_archived) == ("primary", True)


def test_corrupt_zip_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "export.zip"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(FileError, match=r"export\.zip"):
        Source(bad)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("john.doe_1234567890", "john.doe"), ("Jane_Doe_abcdefghij", "jane_doe"), ("saturdaysquad", None)],
)
def test_username_from_folder(name: str, expected: str | None) -> None:
    assert username_from_folder(name) == expected


def test_other_export_files_are_ignored(tmp_path: Path) -> None:
    write_thread(tmp_path, "ana.k_123456789", [msg("Ana K", 1_000, "hi")], other="Ana K")
    for name in ("personal_information/personal_information.json", "connections/followers_1.json", "index.html"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}")
    (thread,) = read_all(tmp_path)
    assert thread.key == "ana.k_123456789"


def test_synthetic_threads_split_at_ten_thousand(tmp_path: Path) -> None:
    from everreach.ingest.synthetic import FILE_MESSAGES, generate_export

    big = generate_export(tmp_path / "big", threads=1, messages=FILE_MESSAGES + 5, seed=1)
    (thread,) = read_all(tmp_path / "big")
    assert big.files == 2
    assert len(thread.files) == 2
    assert len(thread.messages) == FILE_MESSAGES + 5


def test_messenger_e2ee_keys(tmp_path: Path) -> None:
    doc = {
        "participants": ["Ana K", "Jordan Reyes"],
        "threadName": "Ana K",
        "messages": [
            {"senderName": "Ana K", "timestamp": 1_700_000_000_000, "text": "hi from e2ee", "type": "text"},
            {"senderName": "Jordan Reyes", "timestamp": 1_700_000_001_000, "text": "", "isUnsent": True},
        ],
    }
    path = tmp_path / "ana_123456789" / "message_1.json"
    path.parent.mkdir()
    path.write_text(json.dumps(doc))
    (thread,) = read_all(path.parent)
    assert thread.participants == ["Ana K", "Jordan Reyes"]
    assert [(m.sender, m.text, m.message_type) for m in thread.messages] == [
        ("Ana K", "hi from e2ee", "text"),
        ("Jordan Reyes", "[unsent]", "unsent"),
    ]
