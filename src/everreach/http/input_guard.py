"""Bad input is a clear 4xx before any route runs: NUL and lone surrogates, undecodable or too deeply nested JSON.

One rule for text a person (or a client) sends, `text_problem`, checked on every channel text arrives by:
the query string and urlencoded forms (NUL: 400) and JSON bodies (NUL or a lone surrogate in any key or value:
422; not UTF-8 or nested deeper than `MAX_JSON_DEPTH`: 400). The webhook's body is JSON whatever its
Content-Type says. JSON that does not parse is left to the route, which answers its own 4xx. A page whose
query fails validation (e.g. a 10,000-character search) gets an error page instead of FastAPI's raw JSON.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_to_bytes

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from everreach.http.replies import refuse, wants_json

MAX_JSON_DEPTH = 64
JSON_TYPES = (b"application/json",)
FORM_TYPE = b"application/x-www-form-urlencoded"


class BadInput(Exception):
    """A request refused by the guard, with its status and a readable reason."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def text_problem(text: str) -> str | None:
    """Why a piece of text cannot be stored (None when it can): a NUL character, or a lone UTF-16 surrogate."""
    if "\x00" in text:
        return "text must not contain NUL characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "text must not contain a lone surrogate (half of a UTF-16 pair, \\ud800-\\udfff)"
    return None


def check_json(body: bytes) -> None:
    """Raise BadInput for a JSON body that is not UTF-8, nests too deeply, or holds text `text_problem` refuses."""
    try:
        decoded = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput(400, "request body is not valid UTF-8") from exc
    try:
        value = json.loads(decoded)
    except RecursionError as exc:
        raise BadInput(400, f"request body is nested too deeply (more than {MAX_JSON_DEPTH} levels)") from exc
    except ValueError:
        return  # not JSON at all: the route answers that itself
    _walk(value)


def _walk(value: Any) -> None:
    """Check every string of a parsed JSON value, iteratively, and its depth."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise BadInput(400, f"request body is nested too deeply (more than {MAX_JSON_DEPTH} levels)")
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, dict):
            for key, child in item.items():
                _check_text(key)
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)


def _check_text(text: str) -> None:
    problem = text_problem(text)
    if problem:
        raise BadInput(422, f"invalid value: {problem}")


def check_query(query: bytes) -> None:
    """Raise BadInput when the query string (or a urlencoded form) decodes to a NUL character."""
    if b"\x00" in unquote_to_bytes(query.replace(b"+", b" ")):
        raise BadInput(400, "invalid value: text must not contain NUL characters")


class InputGuard:
    """ASGI middleware applying the checks above; bodies it reads are replayed to the app unchanged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check one HTTP request's query string and, for JSON and forms, its body."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            check_query(scope.get("query_string", b""))
            kind = _body_kind(scope)
            if kind is not None:
                body, receive = await _read_all(receive)
                if kind == "json":
                    check_json(body)
                else:
                    check_query(body)
        except BadInput as exc:
            await refuse(send, scope, exc.status, exc.detail)
            return
        await self.app(scope, receive, send)


def _body_kind(scope: Scope) -> str | None:
    if scope["method"] not in ("POST", "PUT", "PATCH", "DELETE"):
        return None
    headers = {k.lower(): v for k, v in scope.get("headers", [])}
    content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    if content_type in JSON_TYPES or content_type.endswith(b"+json") or scope["path"].startswith("/webhooks/"):
        return "json"
    return "form" if content_type == FORM_TYPE else None


async def _read_all(receive: Receive) -> tuple[bytes, Receive]:
    """The whole body (the security middleware outside bounds its size) and a receive() that replays it."""
    chunks: list[bytes] = []
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


def install_page_validation(app: FastAPI) -> None:
    """Answer a page's invalid query or form with a readable error page; the API keeps FastAPI's JSON."""

    async def handle(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if wants_json(request.scope):
            return await request_validation_exception_handler(request, exc)
        from everreach.http.web.render import error_page

        problems = "; ".join(f"{_field(err)}: {err.get('msg', 'invalid')}" for err in exc.errors())
        return error_page(request, status=422, message=f"Please check what you entered ({problems}).")

    app.add_exception_handler(RequestValidationError, handle)


def _field(error: dict[str, Any]) -> str:
    loc = [str(part) for part in error.get("loc", ()) if part not in ("query", "body", "path", "form")]
    return ".".join(loc) or "request"
