"""Map EverReach's user-facing errors to HTTP answers with a JSON `detail` (pages render them as HTML)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError

from everreach.errors import ConflictError, EverReachError, NotFoundError, ValidationError

STATUS_BY_ERROR: tuple[tuple[type[EverReachError], int], ...] = (
    (NotFoundError, 404),
    (ValidationError, 422),
    (ConflictError, 409),
    (EverReachError, 400),
)


def status_for(exc: EverReachError) -> int:
    """The HTTP status an EverReach error stands for."""
    for kind, status in STATUS_BY_ERROR:
        if isinstance(exc, kind):
            return status
    return 400


def install_error_handlers(app: FastAPI) -> None:
    """Answer EverReachError with its message and the matching status instead of a 500."""

    async def handle(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, EverReachError)
        status = status_for(exc)
        if not request.url.path.startswith(("/api/", "/webhooks/")):
            from everreach.http.web.render import error_page

            return error_page(request, status=status, message=str(exc))
        return JSONResponse({"detail": str(exc)}, status_code=status)

    async def handle_bad_value(request: Request, exc: Exception) -> Response:
        # The database refused a value the schema allowed (e.g. a NUL byte in text on PostgreSQL).
        return await handle(request, ValidationError("invalid value: text must not contain NUL characters"))

    app.add_exception_handler(EverReachError, handle)
    app.add_exception_handler(DataError, handle_bad_value)
