"""Errors that carry a message meant for the user (printed on one line, no traceback)."""


class EverReachError(Exception):
    """A failure the user can act on; its message is shown as is."""


class ConfigError(EverReachError):
    """The configuration (URL, file, variable) is invalid."""


class DatabaseError(EverReachError):
    """The database is unreachable, unknown, or at an unexpected migration."""


class NotFoundError(EverReachError):
    """A named thing (contact, queue row, template) does not exist."""


class ValidationError(EverReachError):
    """Input was refused; the message says which field and why."""


class ConflictError(EverReachError):
    """The request clashes with the current state (e.g. a second open message to one contact)."""
