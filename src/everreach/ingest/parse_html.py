"""The HTML export (`message_N.html`): each message a block with the sender in an <h2>, then body, then time.

The times are local wall-clock text ("Aug 11, 2023 2:19 pm") without a zone; they are read in the configured
time zone (EVERREACH_TIMEZONE, default UTC). HTML exports have no mojibake.
"""

from __future__ import annotations

import re
from datetime import datetime
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

from everreach.ingest.model import FileNotes, ParsedMessage
from everreach.ingest.parse_json import MAX_TIMESTAMP_MS
from everreach.ingest.text import Scrubber, clean_text, strip_edited, system_type

_TIME_FORMATS = (
    "%b %d, %Y %I:%M %p",
    "%b %d, %Y, %I:%M %p",
    "%b %d, %Y %I:%M:%S %p",
    "%b %d, %Y, %I:%M:%S %p",
    "%B %d, %Y %I:%M %p",
    "%B %d, %Y, %I:%M %p",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
)
_VOID = frozenset({"br", "img", "meta", "link", "hr", "input", "source", "wbr", "area", "col", "embed"})
_WS = re.compile(r"\s+")


class Node:
    """A tiny DOM node: tag, attributes, children (nodes or text)."""

    __slots__ = ("attrs", "children", "tag")

    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag = tag
        self.attrs = attrs
        self.children: list[Node | str] = []

    def text(self) -> str:
        """All text inside, whitespace collapsed."""
        parts: list[str] = []
        self._collect(parts)
        return _WS.sub(" ", " ".join(parts)).strip()

    def _collect(self, parts: list[str]) -> None:
        # Without recursion: a hostile file may nest elements far deeper than Python's recursion limit.
        stack: list[Node | str] = list(reversed(self.children))
        while stack:
            child = stack.pop()
            if isinstance(child, str):
                parts.append(child)
            else:
                stack.extend(reversed(child.children))

    def elements(self) -> list[Node]:
        """Child elements (no text)."""
        return [c for c in self.children if isinstance(c, Node)]

    def walk(self) -> list[Node]:
        """This node and every element below it, in document order."""
        out: list[Node] = []
        stack: list[Node] = [self]
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(reversed(node.elements()))
        return out


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open an element (void elements close at once)."""
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        """Close up to the matching open element; stray end tags are ignored."""
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        """Keep text where it appears."""
        self.stack[-1].children.append(data)


class NotAnHtmlThreadError(ValueError):
    """The HTML holds no message blocks."""


def parse_html(
    data: bytes, *, timezone: str, notes: FileNotes | None = None
) -> tuple[str | None, list[str], list[ParsedMessage]]:
    """Title, participants (senders in order of appearance) and messages of one HTML thread file.

    `notes` counts message blocks left out because their time cannot be read, and messages cleaned.
    """
    builder = _TreeBuilder()
    builder.feed(data.decode("utf-8-sig", errors="replace"))
    builder.close()
    tz = ZoneInfo(timezone)
    title: str | None = None
    messages: list[ParsedMessage] = []
    senders: list[str] = []
    blocks = 0
    for node in builder.root.walk():
        if node.tag == "title" and title is None:
            title = clean_text(node.text()) or None
            continue
        children = node.elements()
        if len(children) < 2 or children[0].tag != "h2":
            continue
        blocks += 1
        parsed = _message_block(children, tz, notes, f"message block {blocks}")
        if parsed is not None:
            messages.append(parsed)
            if parsed.sender not in senders:
                senders.append(parsed.sender)
    if not messages:
        raise NotAnHtmlThreadError("no messages found (not an Instagram HTML message file)")
    return title, senders, messages


def _message_block(children: list[Node], tz: ZoneInfo, notes: FileNotes | None, where: str) -> ParsedMessage | None:
    """A block whose first element is the sender's <h2>; the time is the last child that reads as one."""
    scrub = Scrubber()
    sender = scrub.text(children[0].text()).strip()
    stamp = None
    for candidate in reversed(children[1:]):
        stamp = _parse_time(candidate.text(), tz)
        if stamp is not None:
            break
    if not sender:
        return None
    ms = _millis(stamp, tz) if stamp is not None else None
    if ms is None:
        # Sender, body and a last line that is not a time: a message whose time is unreadable, not layout.
        if notes is not None and len(children) >= 3 and children[-1].text():
            notes.left_out(where)
        return None
    body = children[1] if len(children) > 2 else None
    raw: dict[str, object] = {}
    nodes = body.walk() if body else []
    media = [scrub.text(n.attrs.get("src", "")) for n in nodes if n.tag == "img"]
    videos = [scrub.text(n.attrs.get("src", "")) for n in nodes if n.tag in ("video", "audio")]
    links = [scrub.text(n.attrs.get("href", "")) for n in nodes if n.tag == "a"]
    text = body.text() if body else ""
    text, edited = strip_edited(text)
    text = clean_text(text, scrub)
    kind = "text"
    if links and (not text or text in links):
        kind, raw["share"] = "share", {"link": links[0]}
    elif media:
        kind, raw["photos"] = "photo", [{"uri": m} for m in media]
    elif videos:
        kind, raw["videos"] = "video", [{"uri": v} for v in videos]
    elif text:
        kind = system_type(text) or "text"
    if edited:
        raw["edited"] = True
    if not text:
        text = f"[share] {links[0]}" if kind == "share" else f"[{kind if kind != 'text' else 'other'}]"
    if scrub.changed and notes is not None:
        notes.cleaned_at(where)
    return ParsedMessage(sender, ms, text, kind, raw or None)


def _millis(stamp: datetime, tz: ZoneInfo) -> int | None:
    """Wall-clock time in `tz` -> milliseconds since the epoch; None for a time that cannot be (year 1 in UTC+2)."""
    try:
        ms = int(stamp.replace(tzinfo=tz).timestamp()) * 1000
    except (OverflowError, ValueError, OSError):
        return None
    return ms if 0 <= ms < MAX_TIMESTAMP_MS else None


def _parse_time(value: str, tz: ZoneInfo) -> datetime | None:
    value = value.strip()
    if not value or len(value) > 40 or not any(ch.isdigit() for ch in value):
        return None
    normal = value.replace("\u202f", " ").upper()
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(normal, fmt)
        except ValueError:
            continue
    return None
