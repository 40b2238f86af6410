"""A lean HTTP/1.1 client for the load generator: keep-alive connections to one loopback server, reused.

httpx's AsyncClient spent 8-11 ms of the load generator's CPU per request with 32 connections in use (measured
against the trivial route, whose server side costs about 2 ms), so at 200 requests/s the client could not send
the load, let alone on a machine shared with other work: the bench measured its own client. Writing the request
line and reading the status, headers and body straight off an asyncio stream costs a small fraction of that.
Only what the benchmark's server sends is handled: Content-Length or chunked bodies, keep-alive unless closed.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
from dataclasses import dataclass, field

TIMEOUT_SECONDS = 30.0


class WireError(Exception):
    """The connection failed, closed early or the answer could not be read."""


class _Stale(Exception):
    """The connection was closed before any of the answer arrived."""


@dataclass
class Wire:
    """Up to `max_connections` keep-alive connections to host:port; a request takes an idle one or opens one."""

    host: str
    port: int
    max_connections: int
    _idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = field(default_factory=list)
    _slots: asyncio.Semaphore | None = None

    async def request(self, method: str, path: str, body: object | None = None) -> tuple[int, bytes]:
        """Send one request (a JSON body when `body` is given); the status and the body of the answer.

        A kept-alive connection the server has closed meanwhile (uvicorn closes idle ones after 5 s) fails
        before any answer arrives; the request is then sent once more on a new connection, as HTTP clients do.
        """
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_connections)
        async with self._slots:
            conn = self._take_idle()
            if conn is not None:
                try:
                    return await self._send(conn, method, path, body)
                except _Stale:
                    pass
            try:
                return await self._send(await self._connect(), method, path, body)
            except _Stale as exc:
                raise WireError(f"closed before answering: {type(exc.__cause__).__name__}") from exc

    def _take_idle(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        while self._idle:
            reader, writer = self._idle.pop()
            if not reader.at_eof() and not writer.is_closing():
                return reader, writer
            writer.close()
        return None

    async def _send(
        self, conn: tuple[asyncio.StreamReader, asyncio.StreamWriter], method: str, path: str, body: object | None
    ) -> tuple[int, bytes]:
        try:
            async with asyncio.timeout(TIMEOUT_SECONDS):
                status, content, keep = await self._exchange(conn, method, path, body)
        except _Stale:
            conn[1].close()
            raise
        except (OSError, EOFError, ValueError, TimeoutError, asyncio.IncompleteReadError) as exc:
            conn[1].close()
            raise WireError(type(exc).__name__) from exc
        except BaseException:
            conn[1].close()
            raise
        if keep:
            self._idle.append(conn)
        else:
            conn[1].close()
        return status, content

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        try:
            return await asyncio.open_connection(self.host, self.port)
        except OSError as exc:
            raise WireError(f"connect: {type(exc).__name__}") from exc

    async def _exchange(
        self, conn: tuple[asyncio.StreamReader, asyncio.StreamWriter], method: str, path: str, body: object | None
    ) -> tuple[int, bytes, bool]:
        reader, writer = conn
        payload = b"" if body is None else jsonlib.dumps(body).encode()
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Length: {len(payload)}\r\n"
        if body is not None:
            head += "Content-Type: application/json\r\n"
        try:
            writer.write(head.encode("latin-1") + b"\r\n" + payload)
            await writer.drain()
            raw = await reader.readuntil(b"\r\n\r\n")
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            if isinstance(exc, asyncio.IncompleteReadError) and exc.partial:
                raise  # part of an answer came: not a closed idle connection
            raise _Stale from exc
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            content = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            content = await _chunked(reader)
        else:
            raise ValueError("an answer with neither Content-Length nor chunked encoding")
        return status, content, headers.get("connection", "").lower() != "close"

    async def aclose(self) -> None:
        """Close every idle connection."""
        while self._idle:
            _reader, writer = self._idle.pop()
            writer.close()


async def _chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")  # no trailers from this server: the empty line after the last chunk
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)
