"""`import_export`: stream an export into the database, one thread at a time, batch by batch."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from everreach.config import get_settings
from everreach.ingest.mapping import detect_owner, identify, same_person
from everreach.ingest.model import FileNotes, ParsedThread
from everreach.ingest.reader import read_unit
from everreach.ingest.sources import FileError, ReadLimits, Source, ThreadUnit
from everreach.ingest.text import fit_text
from everreach.messages.writer.bulk import Writer
from everreach.messages.writer.rows import BatchResult

#: How many threads are read to find the participant common to all of them.
OWNER_PROBE_THREADS = 50


class FileFailure(BaseModel):
    """A file that could not be imported, and why."""

    file: str
    error: str


class MessageProblem(BaseModel):
    """Messages of one file that were left out or changed: what happened, how many, and the first one."""

    file: str
    problem: str
    count: int
    example: str


class ImportProgress(BaseModel):
    """Where an import stands (passed to the progress callback after each thread unit)."""

    units_done: int
    units_total: int
    messages_new: int
    current: str


class ImportSummary(BaseModel):
    """What an import did."""

    source: str
    owner: str | None = None
    owner_source: str = "none"  # given | detected | guessed per thread | none
    threads_total: int = 0
    threads_imported: int = 0
    contacts_new: int = 0
    contacts_updated: int = 0
    messages_new: int = 0
    messages_duplicate: int = 0
    messages_truncated: int = 0
    groups_skipped: int = 0
    skipped_groups: list[str] = Field(default_factory=list)
    contacts_flagged_spam: int = 0
    messages_invalid_time: int = 0
    messages_cleaned: int = 0
    files_with_errors: list[FileFailure] = Field(default_factory=list)
    message_problems: list[MessageProblem] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every file was imported, every message as it was."""
        return not self.files_with_errors and not self.message_problems

    def add_notes(self, notes: FileNotes) -> None:
        """Count and list what reading one file left out or cleaned."""
        self.messages_invalid_time += notes.invalid_time
        self.messages_cleaned += notes.cleaned
        if notes.invalid_time:
            self.message_problems.append(
                MessageProblem(
                    file=notes.file,
                    problem=f"{notes.invalid_time} message(s) with an invalid time left out",
                    count=notes.invalid_time,
                    example=f"first: {notes.invalid_time_example}",
                )
            )
        if notes.cleaned or notes.header_cleaned:
            where = f"first: {notes.cleaned_example}" if notes.cleaned else "the participants or title"
            self.message_problems.append(
                MessageProblem(
                    file=notes.file,
                    problem=f"{notes.cleaned} message(s) with characters that cannot be stored: NUL removed, "
                    "invalid characters replaced by \ufffd, NaN or infinite numbers emptied",
                    count=notes.cleaned,
                    example=where,
                )
            )


ProgressCallback = Callable[[ImportProgress], None]


def import_export(
    target: Engine | sessionmaker[Session],
    path: Path,
    *,
    owner: str | None = None,
    include_groups: bool = False,
    progress: ProgressCallback | None = None,
    batch_rows: int = 20_000,
    limits: ReadLimits | None = None,
) -> ImportSummary:
    """Import an Instagram / Messenger export (zip, folder, thread folder or file); commits batch by batch.

    `limits` bound what each message file and all of them may expand to (default: the settings').
    """
    engine = target if isinstance(target, Engine) else target.kw["bind"]
    settings = get_settings()
    owner = owner or settings.owner
    summary = ImportSummary(source=str(path), owner=owner, owner_source="given" if owner else "none")
    try:
        source = Source(
            path, limits or ReadLimits.from_settings(settings.import_max_file_mb, settings.import_max_total_mb)
        )
    except FileError as exc:
        summary.files_with_errors.append(FileFailure(file=exc.name, error=exc.message))
        return summary
    with source:
        units = source.units()
        if not units:
            summary.files_with_errors.append(
                FileFailure(file=str(path), error="no Instagram or Messenger message files found (not an export)")
            )
            return summary
        if owner is None:
            owner = _probe_owner(source, units, settings.timezone)
            summary.owner = owner
            summary.owner_source = "detected" if owner else "guessed per thread"
        run = _Run(Writer(engine, batch_rows=batch_rows), summary, owner, include_groups)
        try:
            for done, unit in enumerate(units, start=1):
                run.unit(source, unit, settings.timezone)
                if progress is not None:
                    progress(
                        ImportProgress(
                            units_done=done,
                            units_total=len(units),
                            messages_new=summary.messages_new,
                            current=unit.folder or unit.files[0],
                        )
                    )
            run.flush()
        finally:
            run.writer.close()
    return summary


def _probe_owner(source: Source, units: list[ThreadUnit], timezone: str) -> str | None:
    sets: list[list[str]] = []
    for unit in units[:OWNER_PROBE_THREADS]:
        try:
            for thread in read_unit(source, unit, timezone=timezone):
                if len(thread.participants) >= 2:
                    sets.append(thread.participants)
        except FileError:
            continue  # reported by the import pass
        found = detect_owner(sets)
        if found is not None:
            return found
    return None


class _Run:
    """One import's state: the writer, the summary, and which contacts it created or updated."""

    def __init__(self, writer: Writer, summary: ImportSummary, owner: str | None, include_groups: bool) -> None:
        self.writer = writer
        self.summary = summary
        self.owner = owner
        self.include_groups = include_groups
        self.new_contacts: set[object] = set()
        self.updated_contacts: set[object] = set()

    def unit(self, source: Source, unit: ThreadUnit, timezone: str) -> None:
        """Read a unit's threads and queue them; a bad file is recorded and the unit skipped whole."""
        notes: list[FileNotes] = []
        try:
            threads = list(read_unit(source, unit, timezone=timezone, notes=notes))
        except FileError as exc:
            self.summary.files_with_errors.append(FileFailure(file=exc.name, error=exc.message))
            return
        for file_notes in notes:
            self.summary.add_notes(file_notes)
        for thread in threads:
            self.summary.threads_total += 1
            self.thread(thread)
            if self.writer.due():
                self.flush()

    def thread(self, thread: ParsedThread) -> None:
        """Map one thread to its contact and conversation and queue its rows (groups skipped unless asked)."""
        identity = identify(thread, self.owner)
        if identity.is_group and not self.include_groups:
            self.summary.groups_skipped += 1
            self.summary.skipped_groups.append(identity.display_name or thread.key)
            return
        writer = self.writer
        contact = writer.contact(identity.username, identity.display_name, group=identity.is_group)
        if contact.new:
            self.new_contacts.add(contact.id)
        conversation = writer.conversation(contact, thread.key, tab=thread.tab, is_archived=thread.is_archived)
        owner = identity.owner
        direction: dict[str, bool] = {}
        outbound: list[bool] = []
        inbound_texts: list[str] = []
        for msg in thread.messages:
            out = direction.get(msg.sender)
            if out is None:
                out = direction[msg.sender] = owner is not None and same_person(msg.sender, owner)
            outbound.append(out)
            text, cut = fit_text(msg.text)
            if cut:
                msg.raw = {**(msg.raw or {}), "full_text": msg.text}
                msg.text = text
                self.summary.messages_truncated += 1
            if not out and msg.message_type == "text":
                inbound_texts.append(msg.text)
            if identity.is_group:
                msg.raw = {**(msg.raw or {}), "sender_name": msg.sender}
        if writer.spam and writer.tag_spam(contact, inbound_texts):
            self.summary.contacts_flagged_spam += 1
        pending = writer.prepare_rows(contact, conversation, thread.messages, outbound)
        pending.tab, pending.is_archived = thread.tab, thread.is_archived
        writer.add_thread(pending)
        self.summary.threads_imported += 1

    def flush(self) -> None:
        """Write the pending batch and add its counts to the summary."""
        result: BatchResult = self.writer.flush()
        self.summary.messages_new += result.new_messages
        self.summary.messages_duplicate += result.duplicates
        self.updated_contacts |= result.updated_contacts - self.new_contacts
        self.summary.contacts_new = len(self.new_contacts)
        self.summary.contacts_updated = len(self.updated_contacts)
