"""Every write of the browser driver (and the dm-server source), in one module.

Messages go through the one message writer's bulk lane (`messages/writer/bulk.py`: contacts, conversations,
messages, their message_features rows and contact statistics in one transaction per thread); message ids
(`mid.`...) go into `message_external_ids` inside the same transaction. Dedupe (DESIGN.md §4b): by message id
where the page shows one, else contact + text + direction + a stored time inside the message's group window, so a
message first imported from the export and later synced is stored once. The small sync state (walks finished per view,
profile read times) is a JSON file beside the browser profile; losing it only makes the next sync slower.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, update

from everreach.browser.thread import PageMessage
from everreach.db.models import Contact, Message, MessageExternalId
from everreach.ingest.model import ParsedMessage
from everreach.messages.writer.bulk import Writer
from everreach.messages.writer.rows import EPOCH

#: Conversations found in the web inbox keep the page's thread id with this prefix (export threads are keyed
#: by their folder name, webhook threads by a scoped id), so the sender can open `/direct/t/<id>/`.
THREAD_PREFIX = "web:"
_LINK_SQL = (
    "INSERT INTO message_external_ids (external_id, message_id, provider) "
    "SELECT ?, id, ? FROM instagram_messages WHERE id = ? ON CONFLICT DO NOTHING"
)


@dataclass
class SyncedThread:
    """One thread as read: who, where, and its new messages newest first."""

    thread_id: str
    username: str
    display_name: str | None
    tab: str
    messages: list[PageMessage]


@dataclass
class Profile:
    """What a profile page shows."""

    username: str
    profile_url: str
    display_name: str | None = None
    bio: str | None = None
    follower_count: int | None = None
    following_count: int | None = None


class _SyncWriter(Writer):
    """The import writer, plus message-id links written in the same transaction as their messages."""

    def __init__(self, engine: Engine, *, provider: str) -> None:
        super().__init__(engine, batch_rows=1_000_000)
        self.provider = provider
        self.links: list[tuple[str, Any]] = []

    def _update_contacts(self, cur: Any) -> None:
        super()._update_contacts(cur)
        if self.links:
            sql = _LINK_SQL if self.sqlite else _LINK_SQL.replace("WHERE id = ?", "WHERE id = ?::uuid")
            cur.executemany(self._sql(sql), [(mid, self.provider, row_id) for mid, row_id in self.links])
            self.links.clear()


@dataclass
class _Match:
    contact_id: uuid.UUID | None
    claimed: set[uuid.UUID] = field(default_factory=set)
    links: dict[str, uuid.UUID] = field(default_factory=dict)


class SyncStore:
    """Reads what dedupe needs and writes synced threads and profiles; one per sync run."""

    def __init__(self, engine: Engine, *, provider: str = "browser", state_file: Path | None = None) -> None:
        self.engine = engine
        self.provider = provider
        self.writer = _SyncWriter(engine, provider=provider)
        self.state = SyncState(state_file, key=engine.url.render_as_string(hide_password=True)) if state_file else None
        self._match: dict[str, _Match] = {}

    def close(self) -> None:
        """Release the writer's connection."""
        self.writer.close()

    # -- reads --------------------------------------------------------------------------------------------

    def start_thread(self, username: str) -> None:
        """Forget what an earlier, unfinished read of this contact's thread matched."""
        self._match.pop(username, None)

    def first_stored(self, username: str, messages: list[PageMessage]) -> int | None:
        """Index of the first of these messages (newest first) that is already stored, else None."""
        match = self._match.setdefault(username, _Match(self._contact_id(username)))
        known = self._known_mids([m.mid for m in messages if m.mid])
        candidates = self._candidates(match.contact_id, messages)
        for index, msg in enumerate(messages):
            if msg.mid and msg.mid in known:
                return index
            for row_id, text, sent_at, outbound, mid in candidates:
                if row_id in match.claimed or text != msg.text:
                    continue
                if outbound != msg.outbound and not msg.direction_unsure:
                    continue
                if mid is not None and msg.mid is not None and mid != msg.mid:
                    continue  # another message with its own id
                if msg.window.start <= sent_at <= msg.window.end:
                    match.claimed.add(row_id)
                    if msg.mid and mid is None:
                        match.links[msg.mid] = row_id
                    return index
        return None

    def _contact_id(self, username: str) -> uuid.UUID | None:
        with self.engine.connect() as conn:
            return conn.scalar(select(Contact.id).where(Contact.instagram_username == username))

    def _known_mids(self, mids: list[str]) -> set[str]:
        if not mids:
            return set()
        found: set[str] = set()
        with self.engine.connect() as conn:
            for start in range(0, len(mids), 500):
                chunk = mids[start : start + 500]
                found |= set(conn.scalars(select(MessageExternalId.external_id).where(
                    MessageExternalId.external_id.in_(chunk))))  # fmt: skip
        return found

    def _candidates(self, contact_id: uuid.UUID | None, messages: list[PageMessage]) -> list[tuple[Any, ...]]:
        if contact_id is None or not messages:
            return []
        low = min(m.window.start for m in messages)
        high = max(m.window.end for m in messages)
        texts = sorted({m.text for m in messages})
        rows: list[tuple[Any, ...]] = []
        with self.engine.connect() as conn:
            for start in range(0, len(texts), 500):
                query = (
                    select(Message.id, Message.message_text, Message.sent_at, Message.is_outbound,
                           MessageExternalId.external_id)
                    .outerjoin(MessageExternalId, MessageExternalId.message_id == Message.id)
                    .where(Message.contact_id == contact_id, Message.sent_at >= low, Message.sent_at <= high,
                           Message.message_text.in_(texts[start : start + 500]))
                    .order_by(Message.sent_at.desc())
                )  # fmt: skip
                rows.extend(tuple(r) for r in conn.execute(query))
        return rows

    # -- writes -------------------------------------------------------------------------------------------

    def save_thread(self, thread: SyncedThread) -> int:
        """Store a thread's new messages (and message-id links) in one transaction; the number stored."""
        w = self.writer
        contact = w.contact(thread.username, thread.display_name, group=False)
        conversation = w.conversation(contact, THREAD_PREFIX + thread.thread_id, tab=thread.tab, is_archived=False)
        oldest_first = thread.messages[::-1]
        parsed = [
            ParsedMessage("", _ms(stored_time(m)), m.text, m.message_type, _raw(m, self.provider)) for m in oldest_first
        ]
        pending = w.prepare_rows(contact, conversation, parsed, [m.outbound for m in oldest_first])
        pending.tab = thread.tab
        w.tag_spam(contact, [m.text for m in oldest_first if not m.outbound and m.message_type == "text"])
        for msg, row in zip(oldest_first, pending.rows, strict=True):
            if msg.mid:
                w.links.append((msg.mid, row[0]))
        match = self._match.pop(thread.username, None)
        if match is not None:
            w.links.extend((mid, self._id_param(row_id)) for mid, row_id in match.links.items())
        w.add_thread(pending)
        return w.flush().new_messages

    def _id_param(self, row_id: uuid.UUID) -> str:
        return row_id.hex if self.writer.sqlite else str(row_id)

    def save_profile(self, profile: Profile, *, now: datetime) -> None:
        """Write the profile fields read from the page (display_name only where it was empty)."""
        values: dict[str, Any] = {"profile_url": profile.profile_url, "updated_at": now}
        for name in ("bio", "follower_count", "following_count"):
            if getattr(profile, name) is not None:
                values[name] = getattr(profile, name)
        conn = self.writer.conn
        with conn.begin():
            conn.execute(update(Contact).where(Contact.instagram_username == profile.username).values(**values))
            if profile.display_name:
                conn.execute(
                    update(Contact)
                    .where(Contact.instagram_username == profile.username, Contact.display_name.is_(None))
                    .values(display_name=profile.display_name)
                )
        state = self.writer.contacts.get(profile.username)
        if state is not None and state.display_name is None:
            state.display_name = profile.display_name
        if self.state is not None:
            self.state.profile_read(profile.username, now)


def stored_time(msg: PageMessage) -> datetime:
    """The time stored for a synced message: its own when known, else its group's start plus its position (ms)."""
    if msg.at is not None:
        return msg.at
    return msg.window.start + timedelta(milliseconds=msg.position)


def _ms(at: datetime) -> int:
    delta = at.astimezone(UTC) - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def _raw(msg: PageMessage, provider: str) -> dict[str, Any]:
    raw: dict[str, Any] = {"source": provider}
    if msg.mid:
        raw["mid"] = msg.mid
    if msg.time_unknown:
        raw["time_unknown"] = True
    elif msg.at is None:
        raw["time_window"] = [msg.window.start.isoformat(), msg.window.end.isoformat()]
        if msg.window.label:
            raw["time_label"] = msg.window.label
    if msg.direction_unsure:
        raw["direction_unsure"] = True
    return raw


class SyncState:
    """Per database: which inbox views were walked to the end, and when each profile was last read."""

    def __init__(self, path: Path, *, key: str) -> None:
        self.path = path
        self.key = hashlib.sha1(key.encode()).hexdigest()[:16]

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _mine(self) -> dict[str, Any]:
        mine = self._load().get(self.key)
        return mine if isinstance(mine, dict) else {}

    def _save(self, mine: dict[str, Any]) -> None:
        data = self._load()
        data[self.key] = mine
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)  # atomic: a killed sync leaves the old state or the new one

    def walk_complete(self, view: str, inbox: str) -> bool:
        """True when the last walk of this view reached the end of its thread list."""
        return bool(self._mine().get("views", {}).get(f"{inbox}#{view}"))

    def set_walk(self, view: str, inbox: str, *, complete: bool) -> None:
        """Record that a walk of this view started (False) or reached the end (True)."""
        mine = self._mine()
        mine.setdefault("views", {})[f"{inbox}#{view}"] = complete
        self._save(mine)

    def profile_due(self, username: str, *, now: datetime, every: timedelta) -> bool:
        """True when this contact's profile was never read, or not within `every`."""
        seen = self._mine().get("profiles", {}).get(username)
        if not isinstance(seen, str):
            return True
        try:
            return now - datetime.fromisoformat(seen) >= every
        except ValueError:
            return True

    def profile_read(self, username: str, at: datetime) -> None:
        """Remember when a profile was read."""
        mine = self._mine()
        mine.setdefault("profiles", {})[username] = at.isoformat()
        self._save(mine)
