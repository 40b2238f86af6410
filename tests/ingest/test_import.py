"""Importing into the database (SQLite and PostgreSQL): mapping, statistics, dedupe, spam, long texts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from everreach.db.models import AutomationPattern, Contact, Conversation, Message
from everreach.db.types import sqlite_timestamp
from everreach.ingest import import_export
from everreach.ingest.text import MAX_TEXT_BYTES
from everreach.messages.writer.rows import ms_to_datetime, ms_to_sqlite
from tests.ingest.helpers import FIXTURES, OWNER, mojibake, msg, shared_fixtures, write_thread

DAY = 86_400_000
T0 = 1_700_000_000_000


def contact(engine: Engine, username: str) -> Contact:
    with Session(engine) as s:
        return s.scalars(select(Contact).where(Contact.instagram_username == username)).one()


def messages(engine: Engine, username: str) -> list[Message]:
    with Session(engine) as s:
        query = select(Message).join(Contact, Contact.id == Message.contact_id)
        return list(s.scalars(query.where(Contact.instagram_username == username).order_by(Message.sent_at)))


def two_threads(root: Path) -> None:
    write_thread(
        root,
        "maya.codes_17841400000000001",
        [
            msg("Maya Chen", T0, "honestly i keep forgetting to follow up"),
            msg(OWNER, T0 + DAY, "want ideas or just want to vent?"),
            msg("Maya Chen", T0 + 2 * DAY, "Liked a message"),
            msg(OWNER, T0 + 3 * DAY, "lol"),
            msg(OWNER, T0 + 4 * DAY, photos=[{"uri": "photos/1.jpg", "creation_timestamp": 1}]),
        ],
        other="Maya Chen",
    )
    write_thread(
        root,
        "sam_42_17841400000000002",
        [msg("Sam Builds", T0, mojibake("café ☕ tomorrow?")), msg(OWNER, T0 + 60_000, "yes!")],
        other=mojibake("Sam Builds"),
        section="message_requests",
    )


def test_mapping_counts_and_touch(engine: Engine, tmp_path: Path) -> None:
    two_threads(tmp_path)
    summary = import_export(engine, tmp_path)
    assert summary.ok
    assert (summary.owner, summary.owner_source) == (OWNER, "detected")
    assert (summary.threads_imported, summary.contacts_new, summary.messages_new) == (2, 2, 7)
    maya = contact(engine, "maya.codes")
    assert maya.display_name == "Maya Chen"
    assert (maya.total_messages_sent, maya.total_messages_received) == (3, 2)
    # outbound "lol" (filler) and an outbound photo are no meaningful touch; the inbound like is
    assert maya.last_meaningful_touch == ms_to_datetime(T0 + 2 * DAY)
    rows = messages(engine, "maya.codes")
    assert [(m.message_type, m.is_outbound) for m in rows] == [
        ("text", False), ("text", True), ("like", False), ("text", True), ("photo", True),
    ]  # fmt: skip
    assert rows[-1].message_text == "[photo]"
    assert rows[-1].raw_data == {"photos": [{"uri": "photos/1.jpg", "creation_timestamp": 1}]}
    with Session(engine) as s:
        convs = {c.thread_id: c for c in s.scalars(select(Conversation))}
    maya_conv = convs["maya.codes_17841400000000001"]
    assert maya_conv.last_message_at == ms_to_datetime(T0 + 4 * DAY)
    assert (maya_conv.last_message_preview, maya_conv.last_message_is_outbound) == ("[photo]", True)
    assert maya_conv.tab == "primary"
    sam_conv = convs["sam_42_17841400000000002"]
    assert sam_conv.tab == "requests"
    sam = contact(engine, "sam_42")
    assert sam.display_name == "Sam Builds"
    assert messages(engine, "sam_42")[0].message_text == "café ☕ tomorrow?"


def test_reimport_and_newer_overlapping_export(engine: Engine, tmp_path: Path) -> None:
    two_threads(tmp_path / "old")
    first = import_export(engine, tmp_path / "old")
    again = import_export(engine, tmp_path / "old")
    assert (again.messages_new, again.messages_duplicate, again.contacts_new) == (0, first.messages_new, 0)
    newer = tmp_path / "new"
    two_threads(newer)
    write_thread(
        newer,
        "maya.codes_17841400000000001",
        [
            msg("Maya Chen", T0, "honestly i keep forgetting to follow up"),
            msg(OWNER, T0 + 3 * DAY, "lol"),
            msg(OWNER, T0 + 5 * DAY, "how did the launch go?"),
            msg("Maya Chen", T0 + 6 * DAY, "Reacted ❤ to your message "),
        ],
        other="Maya Chen",
    )
    update = import_export(engine, newer)
    assert (update.messages_new, update.contacts_new, update.contacts_updated) == (2, 0, 1)
    maya = contact(engine, "maya.codes")
    assert (maya.total_messages_sent, maya.total_messages_received) == (4, 3)
    assert maya.last_meaningful_touch == ms_to_datetime(T0 + 6 * DAY)
    assert len(messages(engine, "maya.codes")) == 7


def test_spam_patterns_flag_contacts(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as s:
        s.add(AutomationPattern(pattern_type="spam_pattern", pattern_key="crypto", pattern_value="bitcoin,Invest Now"))
        s.commit()
    write_thread(tmp_path, "promo_1234567", [msg("Promo", T0, "INVEST NOW in our fund!!")], other="Promo")
    write_thread(tmp_path, "mathfan_1234567", [msg("Fan", T0, "i love cryptography")], other="Fan")
    write_thread(tmp_path, "owner_said_1234567", [msg(OWNER, T0, "no bitcoin talk pls")], other="Said")
    summary = import_export(engine, tmp_path, owner=OWNER)
    assert summary.contacts_flagged_spam == 1
    assert contact(engine, "promo").tags == ["spam"]
    assert contact(engine, "mathfan").tags is None
    assert contact(engine, "owner_said").tags is None  # only inbound text counts


def test_known_handle_gives_display_name(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as s:
        s.add(AutomationPattern(pattern_type="known_handle", pattern_key="old.friend", pattern_value="Old Friend"))
        s.commit()
    import_export(engine, FIXTURES / "legacy")
    assert contact(engine, "old.friend").display_name == "Old Friend"
    assert contact(engine, "sam.builds").display_name is None


def test_long_text_does_not_fail_the_import(engine: Engine, tmp_path: Path) -> None:
    long_text = "a very long message " * 1000
    write_thread(tmp_path, "essay_1234567", [msg("Essay", T0, long_text), msg(OWNER, T0 + 1, "wow")], other="Essay")
    summary = import_export(engine, tmp_path)
    assert summary.ok
    assert summary.messages_truncated == 1
    stored = messages(engine, "essay")[0]
    assert len(stored.message_text.encode()) <= MAX_TEXT_BYTES
    assert stored.raw_data == {"full_text": long_text.rstrip()}
    assert import_export(engine, tmp_path).messages_new == 0


def test_groups_are_skipped_unless_included(engine: Engine) -> None:
    squad = shared_fixtures() / "vroslmend-chat-flashback"
    skipped = import_export(engine, squad)
    assert (skipped.groups_skipped, skipped.skipped_groups, skipped.messages_new) == (1, ["Saturday Squad"], 0)
    included = import_export(engine, squad, include_groups=True, owner="Alice")
    assert included.messages_new == 94
    group = contact(engine, "saturdaysquad")
    assert group.tags == ["group"]
    rows = messages(engine, "saturdaysquad")
    assert all(m.raw_data and "sender_name" in m.raw_data for m in rows)
    assert sum(m.is_outbound for m in rows) == group.total_messages_sent


def test_every_shared_fixture_imports(engine: Engine) -> None:
    summary = import_export(engine, shared_fixtures(), include_groups=True)
    assert summary.ok
    assert summary.threads_imported == summary.threads_total == 6
    in_files = sum(len(json.loads(p.read_text())["messages"]) for p in shared_fixtures().rglob("*.json"))
    assert summary.messages_new == in_files  # nothing in the samples repeats (contact, text, time)
    assert import_export(engine, shared_fixtures(), include_groups=True).messages_duplicate == in_files


def test_sqlite_times_match_the_orm_form() -> None:
    assert ms_to_sqlite(T0 + 123) == sqlite_timestamp(ms_to_datetime(T0 + 123))


def test_synthetic_export_counts(engine: Engine, tmp_path: Path) -> None:
    from everreach.ingest.synthetic import generate_export

    manifest = generate_export(tmp_path / "export.zip", threads=30, messages=1500, seed=7)
    summary = import_export(engine, tmp_path / "export.zip")
    assert summary.ok
    assert summary.owner == manifest.owner
    assert summary.threads_imported == manifest.threads - manifest.group_threads
    assert summary.messages_new == manifest.one_to_one_messages
    with Session(engine) as s:
        contacts = list(s.scalars(select(Contact)))
        stored = s.scalar(select(func.count()).select_from(Message))
    assert stored == manifest.one_to_one_messages
    assert sum(c.total_messages_sent + c.total_messages_received for c in contacts) == stored
    assert import_export(engine, tmp_path / "export.zip").messages_new == 0


@pytest.mark.parametrize("batch_rows", [1, 100_000])
def test_batch_size_does_not_change_results(engine: Engine, tmp_path: Path, batch_rows: int) -> None:
    two_threads(tmp_path)
    summary = import_export(engine, tmp_path, batch_rows=batch_rows)
    assert (summary.contacts_new, summary.messages_new) == (2, 7)
    assert contact(engine, "maya.codes").total_messages_sent == 3


def test_owner_from_settings(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from everreach import config

    monkeypatch.setenv("EVERREACH_OWNER", "Maya Chen")
    config.reset()
    two_threads(tmp_path)
    summary = import_export(engine, tmp_path)
    assert (summary.owner, summary.owner_source) == ("Maya Chen", "given")
    # seen from Maya's side, her messages are the outbound ones
    assert [m.is_outbound for m in messages(engine, "maya.codes")][:2] == [True, False]


def test_html_export_imports(engine: Engine) -> None:
    summary = import_export(engine, FIXTURES / "html_export")
    assert (summary.ok, summary.messages_new) == (True, 6)
    maya = contact(engine, "maya.codes")
    assert (maya.display_name, maya.total_messages_sent, maya.total_messages_received) == ("Maya Chen", 3, 3)
