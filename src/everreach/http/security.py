"""Access token, CSRF and upload-size protection for the whole app, as one ASGI middleware.

- Access token (when `settings.access_token` is set): every request except static files and the Instagram
  webhook (which has its own signature) needs `Authorization: Bearer <token>` or the login cookie.
- CSRF: every state-changing request needs the per-browser token (form field `csrf_token`, header
  `X-CSRF-Token`, or query `csrf_token`) equal to the `everreach_csrf` cookie. Exempt: requests carrying a valid
  bearer token, and JSON API calls (`Content-Type: application/json`), because a browser cannot send either
  cross-site without a CORS preflight, which this app never grants.
- Upload size: a body over `settings.max_upload_mb` gets a clear 413, checked on Content-Length and while
  streaming (chunked bodies).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, quote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from everreach.config import Settings

CSRF_COOKIE = "everreach_csrf"
AUTH_COOKIE = "everreach_auth"
CSRF_HEADER = b"x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Paths reachable without the access token.
PUBLIC_PREFIXES = ("/static/", "/webhooks/", "/login")
# Paths outside the CSRF check: the webhook is called by Meta, authenticated by its HMAC signature.
CSRF_EXEMPT_PREFIXES = ("/webhooks/",)
# Largest urlencoded form the middleware reads to find the CSRF field.
MAX_FORM_BYTES = 1_000_000


class BodyTooLarge(Exception):
    """Raised from receive() when a streamed body passes the limit."""


def login_cookie_value(token: str) -> str:
    """The login cookie's value: an HMAC of the token, so the cookie never holds the token itself."""
    return hmac.new(token.encode(), b"everreach-login-v1", hashlib.sha256).hexdigest()


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return {k.lower(): v for k, v in scope.get("headers", [])}


def _cookies(headers: dict[bytes, bytes]) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get(b"cookie", b"").decode("latin-1"))
    except Exception:  # a malformed Cookie header is treated as no cookies
        return {}
    return {k: m.value for k, m in jar.items()}


def _same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a).encode(), str(b).encode())


class SecurityMiddleware:
    """Enforces the access token, CSRF tokens and the upload size limit (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.token = settings.access_token or None
        self.max_body = settings.max_upload_mb * 1024 * 1024

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check one HTTP request, then pass it on with the CSRF token in `request.state`."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        headers = _headers(scope)
        cookies = _cookies(headers)
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_body:
            await self._too_large(send)
            return
        bearer_ok = self._bearer_ok(headers)
        if not (path.startswith(PUBLIC_PREFIXES) or bearer_ok or self._logged_in(cookies)):
            await self._unauthorised(scope, send)
            return
        csrf = cookies.get(CSRF_COOKIE) or ""
        new_cookie = not csrf or len(csrf) < 20
        if new_cookie:
            csrf = secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf_token"] = csrf
        state = {"too_large": False}
        receive = self._limited(receive, state)
        if scope["method"] in UNSAFE_METHODS and not path.startswith(CSRF_EXEMPT_PREFIXES) and not bearer_ok:
            try:
                ok, receive = await self._csrf_ok(scope, headers, receive, None if new_cookie else csrf)
            except BodyTooLarge:
                await self._too_large(send)
                return
            if not ok:
                await _send_text(send, 403, "CSRF check failed: reload the page and try again.", scope)
                return
        await self._run(scope, receive, send, csrf if new_cookie else None, state)

    def _logged_in(self, cookies: dict[str, str]) -> bool:
        return not self.token or _same(cookies.get(AUTH_COOKIE), login_cookie_value(self.token))

    def _bearer_ok(self, headers: dict[bytes, bytes]) -> bool:
        auth = headers.get(b"authorization", b"").decode("latin-1")
        scheme, _, value = auth.partition(" ")
        return bool(self.token) and scheme.lower() == "bearer" and _same(value.strip(), self.token)

    def _limited(self, receive: Receive, state: dict[str, bool]) -> Receive:
        seen = 0
        limit = self.max_body

        async def wrapped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    state["too_large"] = True
                    raise BodyTooLarge
            return message

        return wrapped

    async def _csrf_ok(
        self, scope: Scope, headers: dict[bytes, bytes], receive: Receive, expected: str | None
    ) -> tuple[bool, Receive]:
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if scope["path"].startswith("/api/") and content_type == b"application/json":
            return True, receive
        if expected is None:
            return False, receive
        given = headers.get(CSRF_HEADER, b"").decode("latin-1")
        if not given:
            given = (parse_qs(scope.get("query_string", b"").decode("latin-1")).get("csrf_token") or [""])[0]
        if not given and content_type == b"application/x-www-form-urlencoded":
            body, receive = await _buffer(receive, MAX_FORM_BYTES)
            given = (parse_qs(body.decode("utf-8", "replace")).get("csrf_token") or [""])[0]
        return _same(given, expected), receive

    async def _run(
        self, scope: Scope, receive: Receive, send: Send, set_csrf: str | None, state: dict[str, bool]
    ) -> None:
        started = False

        async def wrapped_send(message: Message) -> None:
            nonlocal started
            if state["too_large"]:
                # The app may have turned the aborted body into its own error (e.g. a 400 from the form
                # parser): the user gets the real reason instead.
                if not started:
                    started = True
                    await self._too_large(send)
                return
            if message["type"] == "http.response.start":
                started = True
                if set_csrf:
                    cookie = f"{CSRF_COOKIE}={set_csrf}; Path=/; SameSite=Strict; HttpOnly"
                    message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", cookie.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, wrapped_send)
        except BodyTooLarge:
            if not started:
                await self._too_large(send)

    async def _too_large(self, send: Send) -> None:
        mb = self.max_body // (1024 * 1024)
        body = json.dumps({"detail": f"upload too large: the limit is {mb} MB (EVERREACH_MAX_UPLOAD_MB)"})
        await _send(send, 413, body.encode(), b"application/json")

    async def _unauthorised(self, scope: Scope, send: Send) -> None:
        path: str = scope["path"]
        if scope["method"] == "GET" and not path.startswith("/api/"):
            target = path + ("?" + scope["query_string"].decode("latin-1") if scope.get("query_string") else "")
            location = "/login?next=" + quote(target, safe="")
            await send({"type": "http.response.start", "status": 303, "headers": [(b"location", location.encode())]})
            await send({"type": "http.response.body", "body": b""})
            return
        await _send_text(send, 401, "access token required: send 'Authorization: Bearer <token>'", scope)


async def _buffer(receive: Receive, limit: int) -> tuple[bytes, Receive]:
    """Read the whole body (up to `limit`) and give back a receive() that replays it."""
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        more = message.get("more_body", False)
    body = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


async def _send_text(send: Send, status: int, detail: str, scope: Scope) -> None:
    if scope["path"].startswith(("/api/", "/webhooks/")):
        await _send(send, status, json.dumps({"detail": detail}).encode(), b"application/json")
    else:
        await _send(send, status, detail.encode(), b"text/plain; charset=utf-8")


async def _send(send: Send, status: int, body: bytes, content_type: bytes) -> None:
    headers: list[Any] = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
