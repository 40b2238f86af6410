"""Read one thread unit from a source into ParsedThreads (files merged, messages ordered by time)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import PurePosixPath

from everreach.contacts.usernames import normalise_username
from everreach.ingest.mapping import username_from_folder
from everreach.ingest.model import FileNotes, ParsedMessage, ParsedThread
from everreach.ingest.parse_html import NotAnHtmlThreadError, parse_html
from everreach.ingest.parse_json import (
    NotAThreadError,
    convert_message,
    load_json,
    participants_of,
    thread_header,
)
from everreach.ingest.parse_legacy import NotALegacyExportError, legacy_threads
from everreach.ingest.sources import FileError, Source, ThreadUnit
from everreach.ingest.text import Scrubber, TooDeepError, fix_mojibake


def read_unit(
    source: Source, unit: ThreadUnit, *, timezone: str, notes: list[FileNotes] | None = None
) -> Iterator[ParsedThread]:
    """The threads of a unit; a file that cannot be read or understood raises FileError naming it.

    `notes`, when given, receives one FileNotes per file read (messages left out or cleaned there).
    """
    found: list[FileNotes] = [] if notes is None else notes
    if unit.kind == "legacy":
        name = unit.files[0]
        doc = _decode(source, name)
        file_notes = _notes(found, source, name)
        try:
            yield from legacy_threads(doc, source.display(name), file_notes)
        except NotALegacyExportError as exc:
            raise FileError(source.display(name), str(exc)) from exc
        except TooDeepError as exc:
            raise FileError(source.display(name), str(exc)) from exc
        return
    if unit.kind == "html":
        yield _read_html(source, unit, timezone, found)
        return
    yield _read_json(source, unit, found)


def _notes(found: list[FileNotes], source: Source, name: str) -> FileNotes:
    notes = FileNotes(source.display(name))
    found.append(notes)
    return notes


def _decode(source: Source, name: str) -> object:
    data = source.read(name)
    try:
        return load_json(data)
    except UnicodeDecodeError as exc:
        raise FileError(source.display(name), f"not UTF-8 text (byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise FileError(
            source.display(name), f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc
    except RecursionError as exc:  # '[' * 100000: no message file nests like that
        raise FileError(source.display(name), "nested too deeply to be a message file (not read)") from exc


def _read_json(source: Source, unit: ThreadUnit, found: list[FileNotes]) -> ParsedThread:
    participants: list[str] = []
    messages: list[ParsedMessage] = []
    title: str | None = None
    thread_path: str | None = None
    group = False
    for name in unit.files:
        doc = _decode(source, name)
        try:
            header = thread_header(doc)
        except NotAThreadError as exc:
            raise FileError(source.display(name), str(exc)) from exc
        notes = _notes(found, source, name)
        scrub = Scrubber()
        for person in participants_of(header, scrub):
            if person not in participants:
                participants.append(person)
        if title is None and isinstance(header.get("title"), str):
            title = scrub.text(fix_mojibake(header["title"]))
        if thread_path is None and isinstance(header.get("thread_path"), str):
            thread_path = scrub.text(header["thread_path"])
        notes.header_cleaned = scrub.changed
        group = group or header.get("thread_type") == "RegularGroup" or bool(header.get("joinable_mode"))
        for index, item in enumerate(header["messages"], start=1):
            try:
                parsed = convert_message(item, notes, f"message {index}")
            except TooDeepError as exc:
                raise FileError(source.display(name), f"message {index}: {exc}") from exc
            if parsed is not None:
                messages.append(parsed)
        del doc, header  # one file's document at a time
    if not participants:
        # Minimal files list no participants: take the senders in order of appearance (newest first).
        for msg in sorted(messages, key=lambda m: m.timestamp_ms, reverse=True):
            if msg.sender and msg.sender not in participants:
                participants.append(msg.sender)
    messages.sort(key=lambda m: m.timestamp_ms)
    return _thread(unit, source, participants, messages, title, thread_path, group)


def _read_html(source: Source, unit: ThreadUnit, timezone: str, found: list[FileNotes]) -> ParsedThread:
    participants: list[str] = []
    messages: list[ParsedMessage] = []
    title: str | None = None
    for name in unit.files:
        data = source.read(name)
        try:
            file_title, senders, file_messages = parse_html(data, timezone=timezone, notes=_notes(found, source, name))
        except NotAnHtmlThreadError as exc:
            raise FileError(source.display(name), str(exc)) from exc
        title = title or file_title
        participants.extend(s for s in senders if s not in participants)
        messages.extend(file_messages)
    messages.sort(key=lambda m: m.timestamp_ms)
    return _thread(unit, source, participants, messages, title, None, False)


def _thread(
    unit: ThreadUnit,
    source: Source,
    participants: list[str],
    messages: list[ParsedMessage],
    title: str | None,
    thread_path: str | None,
    group: bool,
) -> ParsedThread:
    folder = unit.folder_name
    path_name = PurePosixPath(thread_path).name if thread_path else None
    username = username_from_folder(folder) or username_from_folder(path_name)
    if username is None and path_name:
        username = normalise_username(path_name)
    if username_from_folder(folder):
        key = folder or ""
    elif path_name:
        key = path_name
    else:
        key = folder or PurePosixPath(unit.files[0]).stem
    return ParsedThread(
        key=key,
        files=[source.display(f) for f in unit.files],
        participants=participants,
        messages=messages,
        title=title,
        folder_username=username,
        is_group_hint=group,
        tab=unit.tab,
        is_archived=unit.is_archived,
    )
