"""Security headers on every response: Content-Security-Policy (self only), X-Frame-Options, nosniff, Referrer-Policy.

Scripts: only files from this server, plus the dashboard's inline scripts allowed one by one by their SHA-256
(taken from the template sources at start, so an injected script never matches). The API documentation pages
(Swagger UI, ReDoc) carry a generated init script and no user data: their inline scripts are hashed as served.
Styles may be inline (the templates use `style=` attributes; styles cannot run code).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from importlib import resources

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DOCS_PATHS = frozenset(
    {"/docs", "/redoc", "/api/docs", "/api/redoc", "/docs/oauth2-redirect", "/api/docs/oauth2-redirect"}
)
INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.S)
BASE_POLICY = (
    "default-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
)
STATIC_HEADERS = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)


def script_hash(body: bytes) -> str:
    """The CSP source expression allowing one inline script: 'sha256-<base64>'."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"


def template_script_hashes() -> list[str]:
    """Hashes of the inline scripts in the dashboard templates (scripts with template code in them are skipped)."""
    found: set[str] = set()
    folder = resources.files("everreach.http.web").joinpath("templates")
    for entry in folder.iterdir():
        if entry.name.endswith(".html"):
            for body in INLINE_SCRIPT.findall(entry.read_bytes()):
                if b"{{" not in body and b"{%" not in body:
                    found.add(script_hash(body))
    return sorted(found)


def content_security_policy(script_hashes: Iterable[str], *, docs: bool = False) -> str:
    """The policy: self only, the given inline scripts, and web workers from blob: on the documentation pages."""
    script_src = " ".join(["script-src 'self'", *script_hashes])
    extra = ["worker-src 'self' blob:"] if docs else []
    return "; ".join([*BASE_POLICY, script_src, *extra])


class SecurityHeaders:
    """ASGI middleware adding the security headers (see the module docstring) to every HTTP response."""

    def __init__(self, app: ASGIApp, *, script_hashes: Iterable[str] | None = None) -> None:
        self.app = app
        self.hashes = list(template_script_hashes() if script_hashes is None else script_hashes)
        self.policy = content_security_policy(self.hashes).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to its response start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] in DOCS_PATHS:
            await self._docs(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": _merged(message.get("headers", []), self.policy)}
            await send(message)

        await self.app(scope, receive, with_headers)

    async def _docs(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Buffer a documentation page to hash its generated inline scripts into its policy."""
        start: Message | None = None
        chunks: list[bytes] = []

        async def buffered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False) or start is None:
                return
            body = b"".join(chunks)
            hashes = [*self.hashes, *(script_hash(s) for s in INLINE_SCRIPT.findall(body))]
            policy = content_security_policy(hashes, docs=True).encode()
            await send({**start, "headers": _merged(start.get("headers", []), policy)})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, buffered)


def _merged(headers: Iterable[tuple[bytes, bytes]], policy: bytes) -> list[tuple[bytes, bytes]]:
    """The response's headers plus ours (a header the route set itself is kept)."""
    merged = list(headers)
    present = {name.lower() for name, _ in merged}
    for name, value in (*STATIC_HEADERS, (b"content-security-policy", policy)):
        if name not in present:
            merged.append((name, value))
    return merged
