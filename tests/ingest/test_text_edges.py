"""Boundaries of the text helpers, written to kill the mutants mutmut left alive (see tests/MUTATION.md)."""

from __future__ import annotations

import pytest

from everreach.ingest.text import (
    MAX_TEXT_BYTES,
    TRUNCATION_MARK,
    clean_text,
    fit_text,
    fix_deep,
    strip_edited,
    system_type,
)
from tests.ingest.helpers import mojibake

MARK_BYTES = len(TRUNCATION_MARK.encode("utf-8"))


@pytest.mark.parametrize("text", ["a" * MAX_TEXT_BYTES, "é" * (MAX_TEXT_BYTES // 2), "€" * 666 + "ab"])
def test_exactly_the_limit_is_kept_whole(text: str) -> None:
    """A text of exactly MAX_TEXT_BYTES bytes is not cut (however many characters that is)."""
    assert len(text.encode("utf-8")) == MAX_TEXT_BYTES
    assert fit_text(text) == (text, False)


def test_one_byte_over_the_limit_is_cut_to_exactly_the_limit() -> None:
    """ASCII one byte over: cut so the text plus the mark is exactly MAX_TEXT_BYTES."""
    cut, was_cut = fit_text("a" * (MAX_TEXT_BYTES + 1))
    assert was_cut
    assert cut == "a" * (MAX_TEXT_BYTES - MARK_BYTES) + TRUNCATION_MARK
    assert len(cut.encode("utf-8")) == MAX_TEXT_BYTES


@pytest.mark.parametrize(("char", "width"), [("€", 3), ("👍", 4), ("é", 2)])
def test_a_cut_inside_a_multibyte_character_drops_that_character(char: str, width: int) -> None:
    """The cut lands on a character boundary: the partial character is dropped, never half-decoded."""
    text = "x" + char * MAX_TEXT_BYTES  # the byte limit falls inside a character for every width > 1
    cut, was_cut = fit_text(text)
    assert was_cut
    whole = (MAX_TEXT_BYTES - MARK_BYTES - 1) // width
    assert cut == "x" + char * whole + TRUNCATION_MARK
    assert len(cut.encode("utf-8")) <= MAX_TEXT_BYTES
    assert "\ufffd" not in cut


def test_long_texts_under_the_byte_limit_are_not_cut() -> None:
    """More characters than the fast path allows, still under the byte limit: kept, not reported as cut."""
    text = "é" * 700  # 700 characters (past the 4-bytes-per-character fast path), 1,400 bytes
    assert fit_text(text) == (text, False)


def test_the_edited_suffix_alone_is_content() -> None:
    """A message that is only " (edited)" keeps its text: there is nothing before the suffix."""
    assert strip_edited(" (edited)") == (" (edited)", False)
    assert strip_edited("x (edited)") == ("x", True)


def test_system_lines_up_to_300_characters_are_classified() -> None:
    """The length guard stops at 300 characters: 300 is still checked, 301 is not."""
    at_limit = "Jane renamed the group " + "x" * (300 - 23)
    assert len(at_limit) == 300
    assert system_type(at_limit) == "system"
    assert system_type(at_limit + "x") is None


def test_a_system_line_holding_every_keyword_is_classified() -> None:
    """The keyword prefilter only skips texts that hold none of the words."""
    line = "sent liked reacted unsent call story poll chat renamed the group"
    assert system_type(line) == "system"
    assert system_type("see you at the gym") is None


def test_fix_deep_repairs_every_string_and_drops_nul() -> None:
    """Strings in lists, dict values and dict keys are repaired; NUL goes; other values are kept as they are."""
    raw = {mojibake("clé"): [mojibake("café"), {"n": 3, "s": "a\x00b"}], 7: None, "ok": [True, 1.5]}
    assert fix_deep(raw) == {"clé": ["café", {"n": 3, "s": "ab"}], 7: None, "ok": [True, 1.5]}
    assert fix_deep(mojibake("Søren") + "\x00") == "Søren"
    assert fix_deep("plain") == "plain"


def test_clean_text_drops_nul_and_trailing_blanks_only() -> None:
    """NUL is removed anywhere; blanks go at the end only."""
    assert clean_text("  a\x00b  \n") == "  ab"
    assert clean_text("no change") == "no change"
