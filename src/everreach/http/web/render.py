"""Template rendering shared by the pages: one Jinja2 environment, autoescaped, with the CSRF token."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    """The dashboard's templates (autoescape is on for .html: message text is always escaped)."""
    directory = str(resources.files("everreach.http.web").joinpath("templates"))
    tpl = Jinja2Templates(directory=directory)
    tpl.env.filters["ago"] = ago
    tpl.env.filters["when"] = when
    tpl.env.filters["zip_rows"] = zip_rows
    return tpl


def ago(value: datetime | None) -> str:
    """'3d ago', '5h ago', 'just now', or 'never'."""
    if value is None:
        return "never"
    seconds = (datetime.now(UTC) - value).total_seconds()
    if seconds < 0:
        return "in " + _span(-seconds)
    return "just now" if seconds < 60 else _span(seconds) + " ago"


def _span(seconds: float) -> str:
    for size, unit in ((86400 * 365, "y"), (86400 * 30, "mo"), (86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def zip_rows(
    keys: list[str], labels: dict[str, str], values: dict[str, int], notes: dict[str, str]
) -> list[tuple[str, int, str]]:
    """(label, value, note) rows for a bar chart, in the order of `keys`."""
    return [(labels[k], int(values.get(k) or 0), notes.get(k, "")) for k in keys]


def when(value: datetime | None) -> str:
    """A compact UTC timestamp for tables."""
    return value.strftime("%Y-%m-%d %H:%M") if value else "—"


def render(request: Request, name: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page template with the request, its CSRF token and the current section."""
    context.setdefault("csrf_token", getattr(request.state, "csrf_token", ""))
    return templates().TemplateResponse(request, name, context, status_code=status_code)


def error_page(request: Request, *, status: int, message: str) -> HTMLResponse:
    """An HTML error page (an htmx request gets just the message fragment)."""
    if request.headers.get("hx-request"):
        return render(request, "_error.html", status_code=status, message=message)
    return render(request, "error.html", status_code=status, message=message, title="Error")
