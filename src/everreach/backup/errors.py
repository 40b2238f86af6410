"""Errors of backup and restore: each names the file (and line) so the user knows what to fix."""

from everreach.errors import EverReachError


class BackupError(EverReachError):
    """A backup or restore could not be done; nothing was changed."""


class CorruptBackupError(BackupError):
    """The backup file is damaged or not an EverReach backup; the message names the file and line."""
