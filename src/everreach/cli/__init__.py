"""Command-line interface: `everreach ...`. Each capability registers its commands from its own module."""

from __future__ import annotations

from everreach.cli import backup as _backup  # noqa: F401
from everreach.cli import browser as _browser  # noqa: F401
from everreach.cli import db as _db  # noqa: F401  (registers commands)
from everreach.cli import ingest as _ingest  # noqa: F401
from everreach.cli import outreach as _outreach  # noqa: F401
from everreach.cli import relationship as _relationship  # noqa: F401
from everreach.cli import seed as _seed  # noqa: F401
from everreach.cli import understanding as _understanding  # noqa: F401
from everreach.cli import web as _web  # noqa: F401
from everreach.cli.app import app


def main() -> None:
    """Console-script entry point."""
    app()


__all__ = ["app", "main"]
