"""The meaningful-touch rule: Python and SQL forms agree on both engines."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, literal, select

from everreach.relationship.touch import filler_sql, is_filler, is_meaningful

SAMPLES = [
    "ok",
    "OK!",
    "lol",
    "  ty ",
    "👍",
    "❤️",
    "k",
    "??",
    "thanks!!",
    "ok thanks",
    "sounds good",
    "🔥🔥🔥",
    "congratulations!",
    "haha\nyes",
    "",
    "...",
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ok", True),
        ("OK!", True),
        ("lol", True),
        ("👍", True),
        ("ok thanks", False),
        ("congratulations!", False),
        ("sounds good", False),
        ("", True),
    ],
)
def test_is_filler(text: str, expected: bool) -> None:
    assert is_filler(text) is expected


def test_meaningful_rules() -> None:
    assert is_meaningful(text="ok", is_outbound=False, sent_by_automation=False)
    assert not is_meaningful(text="ok", is_outbound=True, sent_by_automation=False)
    assert not is_meaningful(text="how did the launch go?", is_outbound=True, sent_by_automation=True)
    assert is_meaningful(text="how did the launch go?", is_outbound=True, sent_by_automation=False)
    assert not is_meaningful(text="x", is_outbound=True, sent_by_automation=False, message_type="like")


def test_sql_form_agrees_with_python(engine: Engine) -> None:
    with engine.connect() as conn:
        for text in SAMPLES:
            assert conn.scalar(select(filler_sql(literal(text)))) == is_filler(text), text


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ok lLthanks!?.👍❤ \n")), max_size=8))
def test_sql_form_agrees_on_generated_text(text: str) -> None:
    from everreach.db.engine import make_engine

    eng = make_engine("sqlite://")
    with eng.connect() as conn:
        assert conn.scalar(select(filler_sql(literal(text)))) == is_filler(text)
