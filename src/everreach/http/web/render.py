"""Template rendering shared by the pages: one Jinja2 environment, autoescaped, with the CSRF token."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from everreach.http.web import humanise
from everreach.http.web.highlight import highlight
from everreach.http.web.links import safe_undo


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    """The dashboard's templates (autoescape is on for .html: message text is always escaped)."""
    directory = str(resources.files("everreach.http.web").joinpath("templates"))
    tpl = Jinja2Templates(directory=directory)
    filters = {
        "ago": humanise.ago, "when": humanise.when, "day": humanise.day, "iso": humanise.iso,
        "words": humanise.words, "stage_label": humanise.stage_label, "lane_label": humanise.lane_label,
        "template_stage_label": humanise.template_stage_label, "queue_label": humanise.queue_label,
        "pattern_type_label": humanise.pattern_type_label, "sentence": humanise.sentence,
        "match_strength": humanise.match_strength, "next_send": humanise.next_send_sentence,
        "highlight": highlight, "zip_rows": zip_rows,
    }  # fmt: skip
    tpl.env.filters.update(filters)
    return tpl


def zip_rows(
    keys: list[str], labels: dict[str, str], values: dict[str, int], notes: dict[str, str]
) -> list[tuple[str, int, str]]:
    """(label, value, note) rows for a bar chart, in the order of `keys`."""
    return [(labels[k], int(values.get(k) or 0), notes.get(k, "")) for k in keys]


def render(request: Request, name: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page template with the request, its CSRF token, the current section and any flash message.

    A flash comes from the query string after a redirect (`flash`, `error=1`, `undo=/path`) unless the view
    passes its own.
    """
    context.setdefault("csrf_token", getattr(request.state, "csrf_token", ""))
    params = request.query_params
    if "flash" not in context and params.get("flash"):
        context["flash"] = params["flash"][:500]
        context["flash_error"] = params.get("error") == "1"
        context["undo"] = safe_undo(params.get("undo"))
    return templates().TemplateResponse(request, name, context, status_code=status_code)


def error_page(request: Request, *, status: int, message: str) -> HTMLResponse:
    """An HTML error page (an htmx request gets just the message fragment)."""
    if request.headers.get("hx-request"):
        return render(request, "_error.html", status_code=status, message=message)
    return render(request, "error.html", status_code=status, message=message, title="Error", back=_back(request))


def _back(request: Request) -> str | None:
    """The page the user came from, when it is one of ours (the Referer's path on this host)."""
    referer = urlsplit(request.headers.get("referer") or "")
    if referer.netloc != request.url.netloc or not referer.path.startswith("/") or referer.path.startswith("//"):
        return None
    return referer.path + (f"?{referer.query}" if referer.query else "")
