"""What counts as a meaningful touch (DESIGN.md §3, recency), in Python and as the same rule in SQL.

A meaningful touch is an inbound message, or an outbound text written by a person (not
`sent_by_automation`) that is not a one-word filler. A filler is one "word" (no whitespace once the
edge punctuation is stripped) that is a stock acknowledgement ("ok", "lol", "ty") or at most two
characters long (a lone emoji, "k", "??" ...). Both forms below implement exactly that rule.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, func, literal, not_, or_
from sqlalchemy.sql.functions import GenericFunction
from sqlalchemy.types import Integer, Text

from everreach.db.sqlfunctions import compiled_as

EDGE_CHARS = " \t\r\n.!?,~"
FILLERS = frozenset(
    {
        "ok", "okay", "okk", "kk", "k", "lol", "lmao", "lmfao", "haha", "hahaha", "hah", "hehe", "ty",
        "thx", "thanks", "tysm", "yes", "yeah", "yea", "yep", "yup", "no", "nope", "nah", "cool", "nice",
        "sure", "np", "word", "bet", "same", "true", "facts", "wow", "omg", "hi", "hey", "yo", "sup",
        "hmm", "ahh", "aww", "oh", "ah", "mhm", "alright", "fine", "great", "good", "noted", "gotcha",
    }
)  # fmt: skip


def is_filler(text: str) -> bool:
    """True for a one-word filler ("ok", "lol", a lone emoji); such a message is no meaningful touch."""
    stripped = text.strip(EDGE_CHARS)
    if any(ch.isspace() for ch in stripped):
        return False
    return len(stripped) <= 2 or stripped.lower() in FILLERS


def is_meaningful(*, text: str, is_outbound: bool, sent_by_automation: bool, message_type: str = "text") -> bool:
    """True when the message counts as a meaningful touch for recency and `last_meaningful_touch`."""
    if not is_outbound:
        return True
    return not sent_by_automation and message_type == "text" and not is_filler(text)


@compiled_as(postgresql="btrim({})", default="trim({})")
class strip_chars(GenericFunction[str]):
    """strip_chars(text, chars): trim the characters from both ends (btrim on PostgreSQL, trim on SQLite)."""

    type = Text()
    inherit_cache = True


@compiled_as(postgresql="strpos({})", default="instr({})")
class strpos_(GenericFunction[int]):
    """Position of a substring (instr on SQLite, strpos on PostgreSQL); 0 when absent."""

    type = Integer()
    inherit_cache = True


def one_word_sql(stripped: ColumnElement[str]) -> ColumnElement[bool]:
    """No space, tab or line break in the (already edge-stripped) text."""
    return and_(*(strpos_(stripped, literal(ws)) == 0 for ws in (" ", "\t", "\n", "\r")))


def filler_sql(text_column: ColumnElement[str]) -> ColumnElement[bool]:
    """The SQL form of :func:`is_filler` for set-based queries (same result on SQLite and PostgreSQL).

    The short-or-stock test comes first: it is false for almost every real message, and both engines then
    skip the whitespace tests.
    """
    stripped = strip_chars(text_column, EDGE_CHARS)
    size = func.length(stripped)
    stock = and_(size <= max(map(len, FILLERS)), func.lower(stripped).in_(sorted(FILLERS)))
    return and_(or_(size <= 2, stock), one_word_sql(stripped))


def meaningful_sql(
    *,
    text: ColumnElement[str],
    is_outbound: ColumnElement[bool],
    sent_by_automation: ColumnElement[bool | None],
    message_type: ColumnElement[str | None],
) -> ColumnElement[bool]:
    """The SQL form of :func:`is_meaningful`."""
    return or_(
        is_outbound == false(),
        and_(
            func.coalesce(sent_by_automation, false()) == false(),
            func.coalesce(message_type, "text") == "text",
            not_(filler_sql(text)),
        ),
    )
