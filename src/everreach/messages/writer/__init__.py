"""The one message writer: `one` writes single messages (webhook, outreach), `bulk` is import's fast lane."""

from everreach.messages.writer.bulk import Writer as BulkWriter
from everreach.messages.writer.one import link_external_id, refresh_contacts, write_message
from everreach.messages.writer.rows import PREVIEW_CHARS, preview

__all__ = ["PREVIEW_CHARS", "BulkWriter", "link_external_id", "preview", "refresh_contacts", "write_message"]
