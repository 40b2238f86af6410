"""Backups: SQLite online page copies and portable JSON-lines exports that restore into either engine."""

from everreach.backup.errors import BackupError, CorruptBackupError
from everreach.backup.service import (
    FORMATS,
    BackupResult,
    backup_database,
    resolve_format,
    restore_database,
)

__all__ = [
    "FORMATS",
    "BackupError",
    "BackupResult",
    "CorruptBackupError",
    "backup_database",
    "resolve_format",
    "restore_database",
]
