"""Paths between dashboard pages and the redirect after a form post (303, with its message shown there)."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from fastapi.responses import RedirectResponse

# Undo buttons post back to the dashboard only: the path is checked before a form is drawn for it.
UNDO_PREFIXES = ("/settings/", "/queue/")


def contact_path(username: str) -> str:
    """The contact page's path."""
    return f"/contacts/{quote(username, safe='')}"


def safe_undo(path: str | None) -> str | None:
    """`path` when it is a dashboard action an Undo button may post to, else None."""
    if not path or not path.startswith(UNDO_PREFIXES) or "//" in path or "\\" in path or "?" in path:
        return None
    return path


def redirect_with(
    path: str, flash: str | None = None, *, error: bool = False, undo: str | None = None
) -> RedirectResponse:
    """Redirect (303) to `path` with a message (an error one when `error`) and an optional Undo action."""
    params = {"flash": flash, "error": "1" if error else None, "undo": safe_undo(undo)}
    query = urlencode({k: v for k, v in params.items() if v})
    path, hash_, fragment = path.partition("#")
    sep = "&" if "?" in path else "?"
    return RedirectResponse(path + (sep + query if query else "") + hash_ + fragment, status_code=303)
