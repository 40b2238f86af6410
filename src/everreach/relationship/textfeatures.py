"""Message features behind resonance and cadence, in Python and as the same rules in SQL.

Per inbound message (last 90 days): *shallow* when it is one word once edge punctuation is stripped ("lol",
"ok", an emoji or three); otherwise it is a real reply, and counts its length (up to 500 characters), whether
it asks a question ('?'), whether it discloses something about themselves (I / I'm / me / my / we / our) and
whether it names a feeling (a short list of emotion stems). Matching runs on the text lower-cased (ASCII),
with punctuation turned into spaces and padded with spaces, so that the Python and SQL forms agree exactly.

`message_facts` is the reference implementation of the per-contact aggregate; `facts.py` computes the same
aggregate set-based in SQL, and a test holds the two together on both engines.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, literal, or_
from sqlalchemy.sql.functions import GenericFunction
from sqlalchemy.types import Float, Integer

from everreach.db.sqlfunctions import compiled_as
from everreach.relationship.scoring import MessageFacts
from everreach.relationship.touch import EDGE_CHARS, is_meaningful, one_word_sql, strip_chars, strpos_

RESONANCE_WINDOW = timedelta(days=90)
CADENCE_WINDOW = timedelta(days=60)
REPLY_WINDOW = timedelta(hours=72)
MAX_CHARS_PER_MESSAGE = 500
PUNCTUATION = '.,!?;:()"\n\t\r'
SELF_MARKERS = (" i ", " i'", " im ", " me ", " my ", " myself ", " we ", " we'", " our ")
EMOTION_STEMS = (
    " love", " excit", " stress", " worri", " worry", " frustrat", " happy", " proud", " scared", " afraid",
    " overwhelm", " anxious", " grateful", " thrill", " nervous", " tired", " exhaust", " sad ", " stoked",
    " hate ", " glad ", " burn", " lonely", " hope",
)  # fmt: skip
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_PUNCT_TO_SPACE = str.maketrans(PUNCTUATION, " " * len(PUNCTUATION))


def padded(text: str) -> str:
    """The text as the marker rules see it: curly apostrophe straightened, ASCII lower-case, punctuation as spaces."""
    return " " + text.replace("\u2019", "'").translate(_ASCII_LOWER).translate(_PUNCT_TO_SPACE) + " "


def is_shallow(text: str) -> bool:
    """One word (no whitespace once edge punctuation is stripped): "lol", "ok", "🔥🔥🔥"."""
    return not any(ch.isspace() for ch in text.strip(EDGE_CHARS))


def discloses_self(text: str) -> bool:
    """Talks about themselves (I, I'm, me, my, we, our)."""
    p = padded(text)
    return any(marker in p for marker in SELF_MARKERS)


def has_emotion(text: str) -> bool:
    """Names a feeling (love, excited, stressed, worried, frustrated, ...)."""
    p = padded(text)
    return any(stem in p for stem in EMOTION_STEMS)


@dataclass(frozen=True)
class MessageRow:
    """The fields of a message the relationship rules read."""

    text: str
    is_outbound: bool
    sent_at: datetime
    sent_by_automation: bool = False
    message_type: str = "text"

    @property
    def meaningful(self) -> bool:
        """A meaningful touch (see touch.py)."""
        return is_meaningful(
            text=self.text,
            is_outbound=self.is_outbound,
            sent_by_automation=self.sent_by_automation,
            message_type=self.message_type,
        )


def message_facts(messages: Iterable[MessageRow], *, now: datetime) -> MessageFacts:
    """The per-contact aggregate of DESIGN.md §3 (reference implementation of the SQL in facts.py)."""
    rows = list(messages)
    meaningful = [m for m in rows if m.meaningful]
    recent = [m for m in rows if now - RESONANCE_WINDOW <= m.sent_at <= now]
    recent_in = [m for m in recent if not m.is_outbound]
    deep = [m for m in recent_in if not is_shallow(m.text)]
    mine = [m for m in recent if m.is_outbound and m.meaningful]
    replied = sum(1 for o in mine if any(o.sent_at <= i.sent_at <= o.sent_at + REPLY_WINDOW for i in recent_in))
    cadence = [m for m in meaningful if now - CADENCE_WINDOW <= m.sent_at <= now]
    weeks = {int((now - m.sent_at) / timedelta(weeks=1)) for m in cadence}
    return MessageFacts(
        last_meaningful_touch=max((m.sent_at for m in meaningful), default=None),
        deep_replies=len(deep),
        reply_chars=sum(min(MAX_CHARS_PER_MESSAGE, len(m.text)) for m in deep),
        questions=sum(1 for m in deep if "?" in m.text),
        self_disclosures=sum(1 for m in deep if discloses_self(m.text)),
        emotion=sum(1 for m in deep if has_emotion(m.text)),
        outbound_person=len(mine),
        replied=replied,
        cadence_weeks=len(weeks),
        cadence_inbound=any(not m.is_outbound for m in cadence),
        cadence_outbound=any(m.is_outbound for m in cadence),
        total_sent=sum(1 for m in rows if m.is_outbound),
        total_received=sum(1 for m in rows if not m.is_outbound),
    )


# ---------------------------------------------------------------------------------------------------------
# SQL forms
# ---------------------------------------------------------------------------------------------------------


@compiled_as(postgresql="EXTRACT(EPOCH FROM {})::float8", default="((julianday({}) - 2440587.5) * 86400.0)")
class epoch_seconds(GenericFunction[float]):
    """Seconds since 1970 of a UTCDateTime column (julianday arithmetic on SQLite, EXTRACT on PostgreSQL)."""

    type = Float()
    inherit_cache = True


@compiled_as(postgresql="floor({})::int", default="CAST({} AS INTEGER)")
class floor_int(GenericFunction[int]):
    """floor() of a non-negative number as an integer (CAST truncates on SQLite; floor on PostgreSQL)."""

    type = Integer()
    inherit_cache = True


def shallow_sql(text: ColumnElement[str]) -> ColumnElement[bool]:
    """SQL form of :func:`is_shallow`."""
    return one_word_sql(strip_chars(text, EDGE_CHARS))


def padded_sql(text: ColumnElement[str]) -> ColumnElement[str]:
    """SQL form of :func:`padded`."""
    expr: ColumnElement[str] = func.lower(func.replace(text, "\u2019", "'"))
    for ch in PUNCTUATION:
        expr = func.replace(expr, ch, " ")
    return literal(" ") + expr + literal(" ")


def any_marker(p: ColumnElement[str], markers: tuple[str, ...]) -> ColumnElement[bool]:
    """SQL: the padded text `p` (see :func:`padded_sql`) contains one of the markers."""
    return or_(*(strpos_(p, literal(m)) > 0 for m in markers))


def self_sql(text: ColumnElement[str]) -> ColumnElement[bool]:
    """SQL form of :func:`discloses_self`."""
    return any_marker(padded_sql(text), SELF_MARKERS)


def emotion_sql(text: ColumnElement[str]) -> ColumnElement[bool]:
    """SQL form of :func:`has_emotion`."""
    return any_marker(padded_sql(text), EMOTION_STEMS)
