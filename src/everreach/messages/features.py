"""Per-message features other than intents (DESIGN.md §3 v2), computed once by the message writer.

- filler: one "word" (no whitespace once the edge punctuation is stripped) that is a stock acknowledgement
  ("ok", "lol", "ty") or at most two characters long (a lone emoji, "k", "??");
- length: characters of the text;
- question: the text contains '?';
- self_disclosure: it talks about themselves (I, I'm, me, my, myself, we, our);
- emotion: it names a feeling (a short list of word stems: love, excited, stressed, worried, ...).
- words to read: what the classifier reads of a text (`words_to_read`): not the stand-ins the importers write for
  a message without words ("[photo]", "[audio]", the "[share]" tag before a link) nor Meta's own system lines
  ("Ana sent an attachment."), which are no words of the sender's and would otherwise be read as intents, nor
  a text mostly in a script other than Latin (the model and the intents' phrases are English).
Marker tests run on the text with the curly apostrophe straightened, ASCII letters lower-cased, punctuation
turned into spaces, padded with a space each side. `is_meaningful` combines the filler test with how the message was
sent and its type, the same both ways: an automated send, a filler, and a system line (like, reaction, unsent, poll,
group event) are no meaningful touch.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

EDGE_CHARS = " \t\r\n.!?,~"
FILLERS = frozenset(
    {
        "ok", "okay", "okk", "kk", "k", "lol", "lmao", "lmfao", "haha", "hahaha", "hah", "hehe", "ty",
        "thx", "thanks", "tysm", "yes", "yeah", "yea", "yep", "yup", "no", "nope", "nah", "cool", "nice",
        "sure", "np", "word", "bet", "same", "true", "facts", "wow", "omg", "hi", "hey", "yo", "sup",
        "hmm", "ahh", "aww", "oh", "ah", "mhm", "alright", "fine", "great", "good", "noted", "gotcha",
    }
)  # fmt: skip
PUNCTUATION = '.,!?;:()"\n\t\r'
SELF_MARKERS = (" i ", " i'", " im ", " me ", " my ", " myself ", " we ", " we'", " our ")
EMOTION_STEMS = (
    " love", " excit", " stress", " worri", " worry", " frustrat", " happy", " proud", " scared", " afraid",
    " overwhelm", " anxious", " grateful", " thrill", " nervous", " tired", " exhaust", " sad ", " stoked",
    " hate ", " glad ", " burn", " lonely", " hope",
)  # fmt: skip
#: Message types that are no touch at all, whatever their text.
NON_TOUCH_TYPES = frozenset({"like", "reaction", "unsent", "system", "poll", "other"})
EXCERPT_CHARS = 120
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_PUNCT_TO_SPACE = str.maketrans(PUNCTUATION, " " * len(PUNCTUATION))
_SELF_RE = re.compile("|".join(re.escape(m) for m in SELF_MARKERS))
_EMOTION_RE = re.compile("|".join(re.escape(m) for m in EMOTION_STEMS))
_SPACE_RE = re.compile(r"\s")
#: The importers' stand-in for a message's media or kind: "[photo]", "[call 12s]", "[share] <link>".
#: The last code point of the Latin blocks (Basic Latin to Latin Extended-B: English, French, Turkish, ...).
LATIN_END = "\u024f"
_STAND_IN_RE = re.compile(r"^\[[a-z]+(?: [^\]]{0,40})?\]\s*")


@dataclass(frozen=True, slots=True)
class TextFeatures:
    """The non-intent features of a batch of texts, one list per feature (same order as the texts)."""

    filler: list[bool]
    length: list[int]
    question: list[bool]
    self_disclosure: list[bool]
    emotion: list[bool]


def padded(text: str) -> str:
    """The text as the marker rules see it: apostrophe straightened, ASCII lower-case, punctuation as spaces."""
    return " " + text.replace("\u2019", "'").translate(_ASCII_LOWER).translate(_PUNCT_TO_SPACE) + " "


def is_filler(text: str) -> bool:
    """A one-word filler ("ok", "lol", a lone emoji): no meaningful touch."""
    stripped = text.strip(EDGE_CHARS)
    if _SPACE_RE.search(stripped):
        return False
    return len(stripped) <= 2 or stripped.lower() in FILLERS


def text_features(texts: Sequence[str]) -> TextFeatures:
    """Every non-intent feature of every text, in one pass over the batch."""
    pads = [padded(t) for t in texts]
    return TextFeatures(
        filler=[is_filler(t) for t in texts],
        length=[len(t) for t in texts],
        question=["?" in t for t in texts],
        self_disclosure=[_SELF_RE.search(p) is not None for p in pads],
        emotion=[_EMOTION_RE.search(p) is not None for p in pads],
    )


def words_to_read(text: str) -> str:
    """The sender's own words in a message's text, for the classifier: the text without an importer's stand-in
    tag, and nothing for a Meta system line ("... sent an attachment.", "... liked a message")."""
    from everreach.ingest.text import system_type  # here: the ingest package imports the message writer

    words = _STAND_IN_RE.sub("", text, count=1)
    if not words.strip() or system_type(words) is not None or not in_latin_script(words):
        return ""
    return words


def in_latin_script(text: str) -> bool:
    """At least half of the text's letters are Latin (or it has none, as an emoji): the packaged model and the
    intents' phrases are English, and on text mostly in another script its guesses are noise, so it abstains."""
    letters = [c for c in text if c.isalpha()]
    return not letters or 2 * sum(1 for c in letters if c <= LATIN_END) >= len(letters)


def is_meaningful(*, filler: bool, automated: bool, message_type: str = "text") -> bool:
    """A meaningful touch, either way: written by a person, not a filler, not a system line."""
    return not automated and not filler and message_type not in NON_TOUCH_TYPES


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The text as evidence shows it: whitespace collapsed, cut at `limit` characters with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
