"""Command-line interface: `everreach ...`. Commands are listed in `registry` and load when they run."""

from __future__ import annotations

from everreach.cli.app import app


def main() -> None:
    """Console-script entry point."""
    app()


__all__ = ["app", "main"]
