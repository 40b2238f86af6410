"""Where CLI output goes: Rich consoles made on first use, full width when piped, tables that never cut a value.

On a terminal, Rich wraps to the window and table cells fold long values onto more lines (never "…"). Piped or
redirected, Rich would assume 80 columns; here the width is unlimited and lines are never wrapped, so `grep`,
`less -S` and files see every value whole on one line.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import typer

if TYPE_CHECKING:
    from rich.console import Console

#: Width used when output is not a terminal: wide enough that no line in practice reaches it.
PIPED_WIDTH = 100_000


class LazyConsole:
    """A Rich console built on first use (Rich costs start-up time that `--json` and `--help` never need)."""

    def __init__(self, *, stderr: bool = False) -> None:
        """Remember where to write; nothing is imported yet."""
        self._stderr = stderr
        self._console: Console | None = None

    @property
    def rich(self) -> Console:
        """The Rich console (for progress bars and other Rich renderables)."""
        if self._console is None:
            from rich.console import Console

            probe = Console(stderr=self._stderr)
            if probe.is_terminal:
                self._console = Console(stderr=self._stderr, highlight=False)
            else:
                self._console = Console(stderr=self._stderr, highlight=False, width=PIPED_WIDTH, soft_wrap=True)
        return self._console

    @property
    def is_terminal(self) -> bool:
        """True when writing to an interactive terminal."""
        return self.rich.is_terminal

    def print(self, *objects: Any, **options: Any) -> None:
        """Print as Rich does; text never wraps when piped, and long words never break mid-word."""
        self.rich.print(*objects, **options)

    def line(self, text: str, *, style: str | None = None) -> None:
        """Print one plain line (no markup, no highlighting), soft-wrapped so a sentence is never broken."""
        self.rich.print(text, markup=False, highlight=False, soft_wrap=True, style=style)


console = LazyConsole()
err_console = LazyConsole(stderr=True)


def table(
    title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]], *, right: Sequence[str] = ()
) -> None:
    """Print a table of rows under `columns` (names in `right` are right-aligned); None shows as "-"."""
    from rich import box
    from rich.table import Table

    piped = not console.is_terminal
    grid = Table(
        title=title, box=box.SIMPLE_HEAD if piped else box.HEAVY_HEAD, title_justify="left", show_edge=not piped,
        pad_edge=not piped,
    )  # fmt: skip
    for name in columns:
        grid.add_column(name, overflow="fold", no_wrap=piped, justify="right" if name in right else "left")
    for row in rows:
        grid.add_row(*("-" if v is None else str(v) for v in row))
    if not piped:
        console.print(grid)
        return
    with console.rich.capture() as captured:  # piped: the same table without the padding at line ends
        console.rich.print(grid)
    typer.echo("\n".join(line.rstrip() for line in captured.get().splitlines()))


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def print_json(data: Any) -> None:
    """Write data as JSON on stdout (datetimes ISO 8601, UUIDs as strings)."""
    typer.echo(json.dumps(data, default=_json_default, ensure_ascii=False, indent=2))
