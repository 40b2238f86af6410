"""Fields of the wrong type or out of range are ignored, never a crash (findings of the fuzz tests)."""

from __future__ import annotations

import json

from everreach.ingest.parse_json import convert_message, participants_of
from everreach.ingest.parse_legacy import legacy_threads
from everreach.ingest.text import fix_deep


def test_participants_that_are_not_a_list_are_ignored() -> None:
    assert participants_of({"participants": 5, "messages": []}) == []
    assert participants_of({"participants": [{"name": "Ann"}, 3]}) == ["Ann"]


def test_out_of_range_timestamps_drop_the_message() -> None:
    assert convert_message({"sender_name": "a", "timestamp_ms": 10**20, "content": "x"}) is None
    assert convert_message({"sender_name": "a", "timestamp_ms": -5, "content": "x"}) is None
    assert convert_message({"sender_name": "a", "timestamp_ms": 1_700_000_000_000, "content": "x"}) is not None


def test_nul_is_removed_from_raw_data() -> None:
    assert fix_deep({"share": {"link": "a\x00b", "k\x00": ["\x00"]}}) == {"share": {"link": "ab", "k": [""]}}


def test_legacy_participants_and_times_out_of_range() -> None:
    doc = [
        {
            "participants": "alice",
            "conversation": [
                {"sender": "alice", "created_at": "0001-01-01T00:00:00+14:00", "text": "too old"},
                {"sender": "alice", "created_at": "2019-05-01T10:00:00.123456+00:00", "text": "fine"},
            ],
        }
    ]
    threads = list(legacy_threads(json.loads(json.dumps(doc)), "messages.json"))
    assert [m.text for m in threads[0].messages] == ["fine"]
