"""DNS-rebinding defence: answer only to the Host names the server is served as, and check Origin on changes.

A page on `evil.example` whose name is re-pointed at 127.0.0.1 reaches a loopback server with
`Host: evil.example`; refusing every name the server is not served as (421) stops it before any route runs.
Answered: loopback addresses, `localhost`, the configured `host`, and `allowed_hosts` (e.g. the name of a
tunnel that forwards Meta's webhook). A server bound to every interface (0.0.0.0 or ::) also answers any IP
address literal: a browser only sends one when it connected to that address itself, so it cannot be rebound.
On POST/PUT/PATCH/DELETE an `Origin` header, when sent, must be the server itself (scheme, name and port; or
https on the default port for a Host without one, as a TLS-ending tunnel forwards it).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from everreach.config import Settings
from everreach.http.replies import refuse
from everreach.http.security import UNSAFE_METHODS

LOOPBACK_NAMES = frozenset({"localhost"})
WILDCARD_BINDS = frozenset({"0.0.0.0", "::", ""})
DEFAULT_PORTS = {"http": 80, "https": 443}


def split_host(value: str) -> tuple[str, int | None] | None:
    """('name', port) of a Host header value, lowercased, IPv6 without brackets; None when malformed."""
    value = value.strip().lower()
    if not value:
        return None
    parts = urlsplit("//" + value)
    try:
        port = parts.port
    except ValueError:
        return None
    name = (parts.hostname or "").rstrip(".")
    if not name or parts.username is not None or parts.path or parts.query or parts.fragment:
        return None
    return name, port


def _ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


class HostPolicy:
    """Which Host names one server answers to (see the module docstring)."""

    def __init__(self, *, host: str, allowed: list[str]) -> None:
        bind = host.strip().strip("[]").lower()
        self.any_ip = bind in WILDCARD_BINDS
        self.names = set(LOOPBACK_NAMES)
        if not self.any_ip:
            self.names.add(bind)
        self.names.update(n.strip().strip("[]").lower().rstrip(".") for n in allowed if n.strip())

    def allows(self, name: str) -> bool:
        """True when a request for `name` (from the Host header, no port) is for this server."""
        if name in self.names:
            return True
        ip = _ip(name)
        return ip is not None and (ip.is_loopback or self.any_ip)


class HostGuard:
    """ASGI middleware: 421 for a Host this server is not served as, 403 for a change from another origin."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.policy = HostPolicy(host=settings.host, allowed=settings.allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the Host (and, on unsafe methods, the Origin) of one HTTP request."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        raw_host = headers.get(b"host", b"").decode("latin-1")
        host = split_host(raw_host)
        if host is None:
            await refuse(send, scope, 400, "bad request: the Host header is missing or malformed")
            return
        if not self.policy.allows(host[0]):
            await refuse(send, scope, 421, _foreign_host_message(host[0]))
            return
        if scope["method"] in UNSAFE_METHODS and b"origin" in headers:
            origin = headers[b"origin"].decode("latin-1")
            if not _same_origin(origin, host, str(scope.get("scheme", "http"))):
                await refuse(send, scope, 403, f"cross-origin request refused: Origin {origin!r} is not this server")
                return
        await self.app(scope, receive, send)


def _foreign_host_message(name: str) -> str:
    return (
        f"this server is not served as {name!r}: open it as http://127.0.0.1 or http://localhost, or add the name "
        "to EVERREACH_ALLOWED_HOSTS (allowed_hosts in the config file) if you reach it through a tunnel or proxy"
    )


def _same_origin(origin: str, host: tuple[str, int | None], scheme: str) -> bool:
    """True when the Origin header names this server: same scheme, host name and (defaulted) port."""
    parts = urlsplit(origin.strip().lower())
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return False  # includes "null" (sandboxed frames, file: pages)
    try:
        origin_port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        return False
    name, port = host
    if parts.hostname.rstrip(".") != name:
        return False
    if parts.scheme == scheme:
        return origin_port == (port or DEFAULT_PORTS.get(scheme, 80))
    # HTTPS ended in front of the server (a tunnel or proxy on the default port, forwarding plain HTTP)
    return parts.scheme == "https" and scheme == "http" and origin_port == 443 and port is None
