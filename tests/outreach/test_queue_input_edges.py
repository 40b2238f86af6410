"""Queue input a clumsy user types: times out of range, text with nothing visible (issue 17, findings 5 and 7)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session
from typer.testing import Result

from everreach import config
from everreach.cli.outreach import parse_when
from everreach.errors import ValidationError
from everreach.outreach import queue
from tests.outreach.factories import T0, make_contact


@pytest.mark.parametrize("raw", ["+99999999d", "+999999999999999999999d", "+9999999999999999m", "99999999h"])
def test_relative_times_out_of_range_are_a_clear_error(raw: str) -> None:
    """A relative --at past the calendar's end is refused with the value named, not an OverflowError."""
    with pytest.raises(ValidationError, match=r"too far in the future"):
        parse_when(raw, now=T0)


def test_relative_times_in_range_still_work() -> None:
    """The largest sensible values still parse."""
    assert parse_when("+36500d", now=T0) == datetime(2125, 2, 7, 10, 0, tzinfo=UTC)
    assert parse_when("+0m", now=T0) == T0


def test_cli_queue_add_far_future_is_one_line(cli: Callable[..., Result], session: Session) -> None:
    """`everreach queue add U hi --at +99999999d`: exit 1 and one error line, no traceback."""
    make_contact(session, username="ann")
    session.commit()
    result = cli("queue", "add", "ann", "hi", "--at", "+99999999d")
    assert result.exit_code == 1
    assert "--at '+99999999d' is too far in the future" in result.output
    assert "Traceback" not in result.output


def test_a_local_time_at_the_calendar_end_is_a_clear_error(session: Session) -> None:
    """A naive time whose UTC form is past year 9999 is refused, not an OverflowError."""
    config.configure(timezone="America/New_York")
    make_contact(session, username="ann")
    with pytest.raises(ValidationError, match="too far in the future"):
        queue.add_to_queue(session, username="ann", text="hi", at=datetime(9999, 12, 31, 23, 0), now=T0)


@pytest.mark.parametrize(
    "text",
    [
        "\u200b",  # zero-width space
        " \u200b\u200c\u200d\u2060\ufeff ",  # the zero-width family and a byte-order mark
        "\u00a0\u3000\u2028\t\n",  # no-break, ideographic and line separator spaces
        "\u3164\u115f\u2800",  # Hangul fillers and the blank braille pattern
        "\u202e\u2066",  # direction controls
    ],
)
def test_text_with_nothing_visible_is_refused(session: Session, text: str) -> None:
    """A message of only whitespace or invisible characters is not queued."""
    make_contact(session, username="ann")
    with pytest.raises(ValidationError, match="no visible characters"):
        queue.add_to_queue(session, username="ann", text=text, now=T0)


@pytest.mark.parametrize("text", ["\u200bhi", "ok\u200d", "👍🏽", "\u05e9\u05dc\u05d5\u05dd", "."])
def test_text_with_something_visible_is_kept_as_typed(session: Session, text: str) -> None:
    """Invisible characters beside visible ones are the user's business: kept (outer whitespace stripped)."""
    make_contact(session, username="ann")
    assert queue.add_to_queue(session, username="ann", text=f" {text} ", now=T0).message_text == text
