"""What the driver reads from `automation_patterns`: selectors, noise rules and known handles, fresh at each step.

Every CSS selector lives in a `selector` row (so a user can repair one when Instagram changes its page);
this module names the keys the driver needs and how each is used. Layout rules that are not selectors
(which side is outbound, how the message scroller is found) are named here too, beside the keys.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Engine, func, select

from everreach.db.models import AutomationPattern
from everreach.errors import ConfigError

Page = Literal["inbox", "thread", "profile", "any"]
Expect = Literal["one", "many", "absent", "maybe"]


@dataclass(frozen=True, slots=True)
class SelectorUse:
    """How the driver uses one selector key: on which page, how many matches it expects, what for."""

    page: Page
    expect: Expect
    purpose: str


#: The selector keys the driver reads. `expect` drives `everreach browser check`.
SELECTOR_USES: dict[str, SelectorUse] = {
    "scroll_container": SelectorUse("inbox", "one", "the thread list, which is also its scroll container"),
    "button": SelectorUse("inbox", "many", "a thread row: the clickable rows inside scroll_container"),
    "tab": SelectorUse("inbox", "maybe", "inbox tabs where the page has them (views are opened by URL)"),
    "conversation_label": SelectorUse("thread", "one", "the open conversation (its scroller is found inside)"),
    "message_row": SelectorUse("thread", "many", "marks a row of the scroller as a message (else a separator)"),
    "message_id": SelectorUse("thread", "many", "an element whose id holds the message id (`mid.`...)"),
    "profile_link": SelectorUse("thread", "one", "the thread header link to the contact's profile (/<username>/)"),
    "history_start": SelectorUse("thread", "maybe", "shown at the top once the whole history is loaded"),
    "loading": SelectorUse("thread", "maybe", "shown while older messages load"),
    "textbox": SelectorUse("thread", "one", "the message composer"),
    "send_button": SelectorUse("thread", "maybe", "the send button (it appears only after typing)"),
    "message_button": SelectorUse("profile", "one", "the Message button on a profile page"),
    "profile_meta": SelectorUse("profile", "one", "meta description: 'N Followers, N Following, N Posts - ...'"),
    "profile_title": SelectorUse("profile", "one", "meta title: 'Name (@username) ...'"),
    "profile_header": SelectorUse("profile", "one", "the profile header (the bio follows the counts)"),
    "login_wall": SelectorUse("any", "absent", "the login form: stop at once, the user must log in"),
    "block_page": SelectorUse("any", "absent", "an action block / 'try again later' notice: stop at once"),
}

# -- layout rules (not selectors) ---------------------------------------------------------------------------
#: The message scroller is the first descendant of `conversation_label` whose computed overflow-y is auto or
#: scroll; its rows are the children of its descendant with the most children (research, early 2026).
SCROLLER_RULE = "first overflow-y:auto descendant of conversation_label; rows = children of its widest child"
#: A message is outbound (the owner's) when its row lays out to the right: a computed justify-content of
#: flex-end between the row and the bubble, or the bubble's centre past this share of the row's width.
OUTBOUND_CENTRE_SHARE = 0.55
#: Enter sends once the text is typed; the driver clicks `send_button` when it shows, else presses Enter.
ENTER_SENDS = True
#: URL parts of pages that stop the driver at once (login, challenge, checkpoint, bans).
LOGIN_URL_PARTS = ("/accounts/login",)
CHALLENGE_URL_PARTS = ("/challenge", "/checkpoint", "/accounts/suspended", "/accounts/disabled", "two_factor")
#: A thread's id is read from the page URL once it is open.
THREAD_URL = re.compile(r"/direct/t/([0-9A-Za-z_-]+)")


@dataclass(frozen=True)
class Noise:
    """`skip_pattern` rows: UI words (exact lines), regexes (date, time, handle), attachment phrases."""

    words: frozenset[str]
    regexes: tuple[re.Pattern[str], ...]
    attachments: tuple[str, ...]

    def is_noise(self, line: str) -> bool:
        """True for a line that is page furniture, not message text."""
        if line.casefold() in self.words:
            return True
        return any(r.search(line) for r in self.regexes)

    def attachment_kind(self, line: str) -> str | None:
        """The message type of an attachment line ("... sent a photo" -> photo), else None."""
        lowered = line.casefold()
        if not any(phrase in lowered for phrase in self.attachments):
            return None
        for word, kind in (("photo", "photo"), ("video", "video"), ("voice", "audio"), ("audio", "audio")):
            if word in lowered:
                return kind
        return "attachment"


@dataclass(frozen=True)
class Patterns:
    """One read of the pattern rows the driver uses."""

    selectors: dict[str, str]
    noise: Noise
    known_handles: dict[str, str]

    def css(self, key: str) -> str:
        """The selector of a key; a clear error when the row is missing or inactive."""
        value = self.selectors.get(key)
        if not value:
            raise ConfigError(
                f"no active selector {key!r} in automation_patterns: run `everreach seed` or add it on the "
                "Settings page"
            )
        return value

    def username_for(self, display_name: str) -> str | None:
        """The username a `known_handle` row gives this display name, if exactly one does."""
        wanted = display_name.strip().casefold()
        found = [u for u, name in self.known_handles.items() if name.strip().casefold() == wanted]
        return found[0] if len(found) == 1 else None


def load_patterns(engine: Engine) -> Patterns:
    """Read the active selector, skip_pattern and known_handle rows (call again to see edits)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(AutomationPattern.pattern_type, AutomationPattern.pattern_key, AutomationPattern.pattern_value)
            .where(func.coalesce(AutomationPattern.is_active, True))
            .where(AutomationPattern.pattern_type.in_(("selector", "skip_pattern", "known_handle")))
        ).all()
    selectors = {k: v for t, k, v in rows if t == "selector"}
    skips = {k: v for t, k, v in rows if t == "skip_pattern"}
    handles = {k.lower(): v for t, k, v in rows if t == "known_handle"}
    return Patterns(selectors, _noise(skips), handles)


def _noise(skips: dict[str, str]) -> Noise:
    words: set[str] = set()
    regexes: list[re.Pattern[str]] = []
    attachments: tuple[str, ...] = ()
    for key, value in skips.items():
        if key == "attachment_indicators":
            attachments = tuple(p.strip().casefold() for p in value.split(",") if p.strip())
        elif key.endswith("_pattern"):
            try:
                regexes.append(re.compile(value))
            except re.error as exc:
                raise ConfigError(f"skip_pattern {key!r} is not a valid regular expression: {exc}") from exc
        else:
            words |= {w.strip().casefold() for w in value.split(",") if w.strip()}
    return Noise(frozenset(words), tuple(regexes), attachments)
