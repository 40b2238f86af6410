"""Meta's webhook signature: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`."""

from __future__ import annotations

import hashlib
import hmac


def sign(body: bytes, secret: str) -> str:
    """The header value Meta sends for `body` signed with the app secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, header: str | None, secret: str | None) -> bool:
    """True when the header is the body's signature; constant-time; False when anything is missing."""
    if not secret or not header or not header.startswith("sha256="):
        return False
    return hmac.compare_digest(sign(body, secret).encode(), header.strip().encode())
