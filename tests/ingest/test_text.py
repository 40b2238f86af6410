"""Text repair and classification (no database)."""

from __future__ import annotations

import pytest

from everreach.ingest.text import MAX_TEXT_BYTES, fit_text, fix_mojibake, strip_edited, system_type
from tests.ingest.helpers import mojibake


@pytest.mark.parametrize("text", ["❤️", "J❤️hn Doe", "café ☕", "日本語 ok", "Søren"])
def test_mojibake_is_repaired(text: str) -> None:
    assert fix_mojibake(mojibake(text)) == text


@pytest.mark.parametrize("text", ["日本語", "café", "plain ascii", "Ã is not followed by a continuation byte"])
def test_correct_text_is_left_alone(text: str) -> None:
    assert fix_mojibake(text) == text


def test_truncated_mojibake_is_left_alone() -> None:
    broken = mojibake("👍")[:2]  # 'ð\x9f': not a whole UTF-8 sequence
    assert fix_mojibake(broken) == broken


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("Jane Doe sent an attachment.", "attachment"),
        ("Liked a message", "like"),
        ("Reacted ❤ to your message", "reaction"),
        ("You unsent a message", "unsent"),
        ("Jane Doe joined the group.", "system"),
        ("This poll is no longer available.", "poll"),
        ("Audio call ended", "call"),
        ("hey, want to call later?", None),
        ("i sent the invoice yesterday", None),
    ],
)
def test_system_lines(line: str, kind: str | None) -> None:
    assert system_type(line) == kind


def test_edited_suffix() -> None:
    assert strip_edited("see you soon (edited)") == ("see you soon", True)
    assert strip_edited("see you soon") == ("see you soon", False)


def test_long_text_is_cut_on_a_character_boundary() -> None:
    text = "é" * 5000
    cut, was_cut = fit_text(text)
    assert was_cut
    assert len(cut.encode("utf-8")) <= MAX_TEXT_BYTES
    assert cut.endswith("…")
    assert fit_text("short") == ("short", False)
