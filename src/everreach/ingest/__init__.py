"""Import Instagram / Messenger DM history from Meta's data export (JSON, HTML, 2018-2020 messages.json).

Decisions the issue leaves open:
- Owner: `--owner` / EVERREACH_OWNER, else the one participant common to the first threads (up to 50 read);
  when that fails (one thread, unrelated files), per thread: the participant who is not the thread's title,
  else the last one listed (Meta lists the owner last). The summary says which (`owner_source`).
- Contact key: the username from a `<username>_<id>` thread folder (or the file's `thread_path`); without one,
  a key made from the display name ("Jane Doe" -> "janedoe"). Legacy exports list usernames directly.
- Groups (more than one other participant, or thread_type RegularGroup) are skipped unless asked; included,
  a group is one contact tagged "group", keyed by its folder, each message's sender kept in raw_data.
- Typed messages (media, shares, likes, reactions, calls, system lines) keep Meta's line as text when there
  is one, else a stable placeholder such as "[photo]" or "[share] <link>", so they dedupe on re-import.
- Texts over 2,000 UTF-8 bytes are cut (with " …") on both engines, the full text kept in raw_data.full_text:
  PostgreSQL's btree index on (contact_id, message_text, sent_at) rejects rows over ~2,700 bytes.
- Times: JSON exports give milliseconds (kept exactly); HTML times are local wall-clock text, read in
  EVERREACH_TIMEZONE; legacy ISO times are kept to the millisecond.
- Atomicity: a batch (about 20,000 rows) holds whole threads and is one transaction.
- Hostile files: a file that cannot be read (malformed, nested too deeply, over EVERREACH_IMPORT_MAX_FILE_MB
  (64) once expanded, past EVERREACH_IMPORT_MAX_TOTAL_MB (8192) for the import, a link out of the export
  folder, not a regular file) is a per-file error and its thread is skipped whole; the others are imported.
- Per message: a lone surrogate becomes U+FFFD, NUL is dropped, NaN/infinity in extras become null (counted
  as messages_cleaned); a message without a usable time is left out (counted as messages_invalid_time). Both
  are listed per file in message_problems, and the CLI then exits 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from everreach.ingest.service import FileFailure, ImportProgress, ImportSummary, MessageProblem, import_export

__all__ = ["FileFailure", "ImportProgress", "ImportSummary", "MessageProblem", "import_export"]


def __getattr__(name: str) -> Any:
    """The service loads on first use: a module that needs only `ingest.text` (the message writers) must not
    load the whole importer (the ORM, the parsers, the classifier) with it."""
    if name in __all__:
        from everreach.ingest import service

        return getattr(service, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
