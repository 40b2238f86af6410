"""Import Instagram / Messenger DM history from Meta's data export (JSON, HTML, 2018-2020 messages.json)."""

from everreach.ingest.service import FileFailure, ImportProgress, ImportSummary, import_export

__all__ = ["FileFailure", "ImportProgress", "ImportSummary", "import_export"]
