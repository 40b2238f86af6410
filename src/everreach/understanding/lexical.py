"""Fit-signal matching: normalisation and fuzzy token matching of inbound messages (pure, no database).

A phrase (a signal's description or one of its extra phrases) and a message are both reduced to *content
tokens*: lower-cased, curly quotes straightened, contractions and chat shorthand expanded ("don't" -> "do
not", "w/" -> "with", "ppl" -> "people"), a few synonyms folded ("always" -> "keep", "inbox" -> "dm",
"bad at" -> "never" -> "not"), stop words dropped, a light suffix stemmer applied ("forgetting" -> "forget",
"posts" -> "post"); a message token that is not in any phrase's vocabulary is mapped to the closest
vocabulary token when it is a likely typo (same first letter, similarity >= 0.8).

A phrase of up to four content tokens matches when all of them occur within that many consecutive content
tokens of the message (any order, so "i forget to follow up all the time" matches "I keep forgetting to
follow up", but "i never forget to follow up" does not match "i never follow up": "forget" sits inside).
Longer phrases may miss one token within a window one longer than the phrase. Negations are content tokens,
so "I know what to post" does not match "I don't know what to post". A phrase that reduces to a single
content token is not used (it would fire on almost anything mentioning that word).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

# (pattern, replacement, hints): a rewrite runs only on a text holding one of its hints (cheap to test).
_REWRITES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (r"[\u2019\u2018`]", "'", ("\u2019", "\u2018", "`")),
    (r"\bfollow[\s-]*ups?\b", "follow up", ("follow",)),
    (r"\bw/o\b", "without", ("w/o",)),
    (r"\bw/", "with ", ("w/",)),
    (r"\bcan't\b|\bcant\b|\bcannot\b", "can not", ("can",)),
    (r"\bwon't\b|\bwont\b", "will not", ("won",)),
    (r"\bdont\b", "do not", ("dont",)),
    (r"\bdoesnt\b", "does not", ("doesnt",)),
    (r"\bdidnt\b", "did not", ("didnt",)),
    (r"\bisnt\b|\barent\b", "are not", ("isnt", "arent")),
    (r"n't\b", " not", ("n't",)),
    (r"'m\b", " am", ("'m",)),
    (r"'re\b", " are", ("'re",)),
    (r"'ve\b", " have", ("'ve",)),
    (r"'ll\b", " will", ("'ll",)),
    (r"'d\b", " would", ("'d",)),
    (r"'s\b", "", ("'s",)),
    (r"\bidk\b", "i do not know", ("idk",)),
    (
        r"\ball the time\b|\bover and over\b|\bconstantly\b|\balways\b",
        " keep ",
        ("all the time", "over and over", "constantly", "always"),
    ),
    (r"\b(?:bad|terrible|awful|horrible|hopeless|the worst) at\b|\bsuck at\b", " never ", (" at",)),
    (r"\bgonna\b", "going to", ("gonna",)),
    (r"\bwanna\b", "want to", ("wanna",)),
    (r"\bgotta\b", "have to", ("gotta",)),
)
_COMPILED = tuple((re.compile(p), r, hints) for p, r, hints in _REWRITES)
_WORD = re.compile(r"[a-z0-9]+")

SYNONYMS = {
    "never": "not", "no": "not", "nope": "not", "without": "not",
    "forgot": "forget", "forgotten": "forget",
    "ppl": "people", "folks": "people", "everybody": "everyone",
    "inbox": "dm", "dms": "dm", "messages": "dm", "message": "dm",
    "chaos": "mess", "messy": "mess", "chaotic": "mess", "disaster": "mess",
    "spammy": "spam", "salesy": "pushy", "sleazy": "pushy",
    "u": "you", "ur": "your", "w": "with", "bc": "because", "cuz": "because",
    "ideas": "idea", "topics": "topic",
}  # fmt: skip

_STOP_WORDS_TEXT = """
i me my mine myself we us our you your yours he she they them their it its this that these those a
an the to of in on at for with from by about as into than then there here and or but so if because
while also too is am are was were be been being do does did doing have has had having will would
should could can may might must shall going get got just really honestly literally actually
basically seriously kinda kind sort bit little pretty very super such totally completely absolutely
even still like lol haha ok okay um uh yeah yes tbh ngl lowkey what how which who whom when where
why some any much many lot lots feel felt feeling seem seems sound sounds come across total huge
complete absolute utter big
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())
# Words of the multi-word rewrites above: alone they may reduce to nothing, together to a content token.
_REWRITE_WORDS = frozenset(
    ("time", "over", "bad", "terrible", "awful", "horrible", "hopeless", "worst", "suck", "w", "t")
)


def _stem(token: str) -> str:
    """A light suffix stemmer (ing, ed, s/es, ly), folding a doubled final consonant ("forgett")."""
    for suffix in ("ing", "ed"):
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            token = token[: -len(suffix)]
            if len(token) >= 4 and token[-1] == token[-2] and token[-1] not in "aeiouls":
                token = token[:-1]
            return token
    if token.endswith("ly") and len(token) >= 6:
        return token[:-2]
    if token.endswith(("sses", "ches", "shes", "xes")):
        return token[:-2]
    if token.endswith("s") and not token.endswith(("ss", "us", "is")) and len(token) >= 4:
        token = token[:-1]
    # A final silent e goes too, so "take", "takes" and "taking" meet at "tak".
    if token.endswith("e") and len(token) >= 4:
        token = token[:-1]
    return token


@lru_cache(maxsize=50_000)
def _canonical(word: str) -> str | None:
    word = SYNONYMS.get(word, word)
    if word in STOP_WORDS:
        return None
    return SYNONYMS.get(_stem(word), _stem(word))


def content_tokens(text: str) -> list[str]:
    """The content tokens of a text, in order (see the module docstring for the steps)."""
    lowered = text.lower()
    for pattern, replacement, hints in _COMPILED:
        for hint in hints:
            if hint in lowered:
                lowered = pattern.sub(replacement, lowered)
                break
    out = []
    for word in _WORD.findall(lowered):
        canon = _canonical(word)
        if canon is not None:
            out.append(canon)
    return out


@dataclass(frozen=True)
class Phrase:
    """One trigger phrase of a signal, reduced to its content tokens."""

    signal: str
    text: str
    tokens: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    """A signal matched in a message: by which phrase, and how closely (1.0 exact, less with typos)."""

    signal: str
    phrase: str
    similarity: float


def _window_ok(seq: Sequence[str], wanted: Sequence[str]) -> bool:
    k = len(wanted)
    need = k if k <= 4 else k - 1
    width = k if k <= 4 else k + 1
    want = set(wanted)
    for start in range(len(seq)):
        if seq[start] not in want:
            continue
        found = set(seq[start : start + width]) & want
        if len(found) >= need:
            return True
    return False


class Matcher:
    """Matches texts against a set of signals' phrases; build once, use for many messages."""

    def __init__(self, phrases: Iterable[tuple[str, str]]) -> None:
        """`phrases`: (signal id or key, phrase text) pairs."""
        self.phrases: list[Phrase] = []
        for signal, text in phrases:
            tokens = tuple(dict.fromkeys(content_tokens(text)))
            # One content word ("what should i even post" -> post) would fire on far too much.
            if len(tokens) >= 2:
                self.phrases.append(Phrase(signal, text, tokens))
        self.vocab = {t for p in self.phrases for t in p.tokens}
        self._by_token: dict[str, list[int]] = {}
        for i, p in enumerate(self.phrases):
            for t in p.tokens:
                self._by_token.setdefault(t, []).append(i)
        self._typo_cache: dict[str, str | None] = {}
        # In a fixed order: of two words equally close to a typo the first wins, whatever the hash seed.
        self._vocab_order = sorted(self.vocab)
        self._signals = list(dict.fromkeys(p.signal for p in self.phrases))
        # A phrase of up to four tokens needs all of them, a longer one may miss one.
        self._need = [len(p.tokens) if len(p.tokens) <= 4 else len(p.tokens) - 1 for p in self.phrases]

    def _typo(self, token: str) -> str | None:
        if token in self._typo_cache:
            return self._typo_cache[token]
        best: str | None = None
        # Tokens with a digit (numbers, links, handles) are never typos of a phrase word.
        if len(token) >= 4 and not any(ch.isdigit() for ch in token):
            best_ratio = 0.8
            for v in self._vocab_order:
                if v[0] != token[0] or abs(len(v) - len(token)) > 2 or len(v) < 4:
                    continue
                matcher = SequenceMatcher(None, token, v)
                # The quick ratios are upper bounds of ratio(): a pair that cannot reach best_ratio is skipped.
                if matcher.real_quick_ratio() < best_ratio or matcher.quick_ratio() < best_ratio:
                    continue
                ratio = matcher.ratio()
                if ratio > best_ratio or (best is None and ratio == best_ratio):
                    best, best_ratio = v, ratio
        if len(self._typo_cache) < 100_000:
            self._typo_cache[token] = best
        return best

    def weights(self, word: str) -> dict[str, int]:
        """Per signal, at most how many of its phrase tokens this one word can give a text.

        A text whose words give no signal 2 tokens cannot match (every phrase has at least two content
        tokens), so a caller may skip reading it.
        """
        out: dict[str, int] = {}
        for token in content_tokens(word):
            mapped = token if token in self.vocab else self._typo(token)
            for signal in {self.phrases[i].signal for i in self._by_token.get(mapped or "", ())}:
                out[signal] = out.get(signal, 0) + 1
        if word in _REWRITE_WORDS:
            for signal in self._signals:
                out[signal] = out.get(signal, 0) + 1
        return out

    def match(self, text: str) -> list[Match]:
        """Every signal the text matches (best phrase per signal, first one on ties), in phrase order."""
        seq: list[str] = []
        fuzzy: set[int] = set()
        for token in content_tokens(text):
            if token not in self.vocab:
                mapped = self._typo(token)
                if mapped is not None:
                    fuzzy.add(len(seq))
                    token = mapped
            seq.append(token)
        present = set(seq)
        fuzzy_tokens = {seq[i] for i in fuzzy}
        counts: dict[int, int] = {}
        for t in present:
            for i in self._by_token.get(t, ()):
                counts[i] = counts.get(i, 0) + 1
        need = self._need
        candidates = sorted(i for i, k in counts.items() if k >= need[i])
        best: dict[str, Match] = {}
        for i in candidates:
            p = self.phrases[i]
            hits = present.intersection(p.tokens)
            if not _window_ok(seq, p.tokens):
                continue
            similarity = round(len(hits) / len(p.tokens) - 0.1 * len(hits & fuzzy_tokens) / len(p.tokens), 4)
            current = best.get(p.signal)
            if current is None or similarity > current.similarity:
                best[p.signal] = Match(p.signal, p.text, similarity)
        return list(best.values())
