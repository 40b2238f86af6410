"""Contacts another writer created while this import ran: the batch adopts them instead of failing.

The bulk writer reads every contact once, when it starts; a second import (an upload, `everreach import`)
running at the same time may create the same username first. Inside the batch's transaction, before its new
contacts are inserted, those that exist by now become the existing contact: the batch's rows, conversations and
counters move over to it (counters are recounted from the stored messages, as for any contact others write).
The batch holds the write lock (SQLite's BEGIN IMMEDIATE, PostgreSQL's write-unit lock), so what it reads here
cannot change before its inserts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from everreach.messages.writer.bulk import Writer

_CHUNK = 500


def adopt_existing(writer: Writer, cur: Any) -> None:
    """Point this batch's new contacts that another writer created meanwhile at the stored ones."""
    if not writer.new_contacts:
        return
    found = _stored(writer, cur, [u for _s, u in writer.new_contacts])
    if not found:
        return
    moved: dict[str, Any] = {}
    kept = []
    for state, username in writer.new_contacts:
        if username not in found:
            kept.append((state, username))
            continue
        stored_id, display, tags = found[username]
        moved[str(state.id)] = stored_id
        extra = [t for t in state.tags or [] if t not in (tags or [])]
        state.id, state.display_name = stored_id, display or state.display_name
        state.tags = [*(tags or []), *extra] if tags or extra else None
        state.new, state.stats_known, state.dirty = False, False, True
    writer.new_contacts = kept
    _move_conversations(writer, cur, moved)
    for thread in writer.pending:
        rows = thread.rows
        if rows and str(rows[0][2]) in moved:
            conv_id, contact_id = thread.conversation.id, thread.contact.id
            if not writer.sqlite:
                conv_id, contact_id = str(conv_id), str(contact_id)
            thread.rows = [(r[0], conv_id, contact_id, *r[3:]) for r in rows]


def _stored(writer: Writer, cur: Any, usernames: list[str]) -> dict[str, tuple[Any, str | None, list[str] | None]]:
    found = {}
    for start in range(0, len(usernames), _CHUNK):
        chunk = usernames[start : start + _CHUNK]
        marks = ", ".join("?" * len(chunk))
        cur.execute(
            writer._sql(
                f"SELECT instagram_username, id, display_name, tags FROM instagram_contacts "
                f"WHERE instagram_username IN ({marks})"
            ),
            chunk,
        )
        for username, cid, display, tags in cur.fetchall():
            found[username] = (cid, display, writer._read_tags(tags))
    return found


def _move_conversations(writer: Writer, cur: Any, moved: dict[str, Any]) -> None:
    """New conversations of adopted contacts: the stored one of the same thread, or a new one on the contact."""
    targets = list(moved.values())
    existing: dict[tuple[str, str], Any] = {}
    for start in range(0, len(targets), _CHUNK):
        chunk = targets[start : start + _CHUNK]
        marks = ", ".join("?" * len(chunk))
        cur.execute(
            writer._sql(f"SELECT id, contact_id, thread_id FROM instagram_conversations WHERE contact_id IN ({marks})"),
            chunk,
        )
        for conv_id, contact_id, thread_id in cur.fetchall():
            existing[(str(contact_id), thread_id)] = conv_id
    kept = []
    for conv_id, contact_id, thread_id, tab, archived in writer.new_conversations:
        new_contact = moved.get(str(contact_id))
        if new_contact is None:
            kept.append((conv_id, contact_id, thread_id, tab, archived))
            continue
        state = writer.conversations.pop((contact_id, thread_id))
        stored = existing.get((str(new_contact), thread_id))
        if stored is None:
            kept.append((conv_id, new_contact, thread_id, tab, archived))
        else:
            state.id, state.new = stored, False
        writer.conversations[(new_contact, thread_id)] = state
    writer.new_conversations = kept
