"""From a parsed thread to EverReach's model: who the owner is, who the contact is, which way a message went."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from everreach.contacts.usernames import normalise_username
from everreach.ingest.model import ParsedThread

# `<username>_<id>`: a numeric id in current exports, a 10-character id in older ones.
_FOLDER = re.compile(r"^(?P<user>.+?)_(?P<id>\d{6,}|[A-Za-z0-9\-]{10})$")
_USERNAME_CHARS = re.compile(r"[^a-z0-9._]")


def same_person(a: str, b: str) -> bool:
    """Names compare without case and surrounding blanks."""
    return a.strip().casefold() == b.strip().casefold()


def detect_owner(participant_sets: list[list[str]]) -> str | None:
    """The one participant common to every thread, when there is exactly one (needs two or more threads)."""
    usable = [p for p in participant_sets if len(p) >= 2]
    if len(usable) < 2:
        return None
    common = {n.casefold() for n in usable[0]}
    for names in usable[1:]:
        common &= {n.casefold() for n in names}
        if not common:
            return None
    if len(common) != 1:
        return None
    wanted = common.pop()
    return next(n for n in usable[0] if n.casefold() == wanted)


def guess_owner(thread: ParsedThread) -> str | None:
    """Per-thread fallback: the participant who is not the thread's title, else the last one listed.

    Meta lists the account owner last and titles a 1:1 thread with the other person's name.
    """
    names = thread.participants
    if not names:
        return None
    if thread.title and len(names) == 2:
        others = [n for n in names if not same_person(n, thread.title)]
        if len(others) == 1:
            return others[0]
    return names[-1]


def username_from_folder(name: str | None) -> str | None:
    """`john.doe_1234567890` -> `john.doe`; None when the name is not a thread folder."""
    if not name:
        return None
    match = _FOLDER.match(name)
    return normalise_username(match.group("user")) if match else None


def username_from_name(display: str) -> str:
    """A username-like key from a display name when the export gives no username ("Jane Doe" -> janedoe)."""
    ascii_form = unicodedata.normalize("NFKD", display).encode("ascii", "ignore").decode("ascii")
    slug = _USERNAME_CHARS.sub("", ascii_form.lower())
    if slug:
        return slug
    return "user_" + hashlib.sha1(display.encode("utf-8")).hexdigest()[:10]


@dataclass(frozen=True, slots=True)
class ThreadIdentity:
    """The contact a thread maps to and how to tell direction."""

    username: str
    display_name: str | None
    owner: str | None
    is_group: bool


def identify(thread: ParsedThread, owner: str | None) -> ThreadIdentity:
    """Decide the thread's contact (username, display name) and whether it is a group."""
    owner = owner if owner is not None else guess_owner(thread)
    others = [n for n in thread.participants if owner is None or not same_person(n, owner)]
    is_group = thread.is_group_hint or len(others) >= 2
    group_name = thread.title or ", ".join(others) or None
    display = group_name if is_group else (others[0] if others else thread.title)
    if thread.participants_are_usernames and not is_group and others:
        username = others[0]
        display = None
    else:
        username = thread.folder_username or username_from_name(display or thread.key)
    return ThreadIdentity(username, display, owner, is_group)


def is_outbound(sender: str, owner: str | None) -> bool:
    """A message is outbound when the account owner sent it."""
    return owner is not None and same_person(sender, owner)
