"""The security middleware at the ASGI level: the exact messages it sends, and how it reads a form body.

Written to kill mutants that survived in http/security.py (tests/MUTATION.md): the test client hides header
spelling, message keys and chunk boundaries; these tests see them.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from everreach.config import Settings
from everreach.http.security import CSRF_COOKIE, MAX_FORM_BYTES, SecurityMiddleware, login_cookie_value

TOKEN = "s3cret-token-for-tests"
CSRF = "c" * 40


class Inner:
    """The wrapped app: records the body it reads, answers 200."""

    def __init__(self) -> None:
        self.body = b""
        self.called = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.called = True
        more = True
        while more:
            message = await receive()
            self.body += message.get("body", b"")
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def _run(
    *,
    method: str = "GET",
    path: str = "/queue",
    query: bytes = b"",
    headers: list[tuple[bytes, bytes]] | None = None,
    body: list[Message] | None = None,
    token: str | None = None,
    max_upload_mb: int = 512,
) -> tuple[list[Message], Inner]:
    inner = Inner()
    app = SecurityMiddleware(inner, settings=Settings(access_token=token, max_upload_mb=max_upload_mb))
    incoming = list(body or [{"type": "http.request", "body": b""}])
    sent: list[Message] = []

    async def receive() -> Message:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: dict[str, Any] = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query,
        "headers": headers or [],
    }
    asyncio.run(app(scope, receive, send))
    return sent, inner


def _form(*chunks: bytes) -> list[Message]:
    return [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]


FORM_HEADERS = [
    (b"content-type", b"application/x-www-form-urlencoded"),
    (b"cookie", f"{CSRF_COOKIE}={CSRF}".encode()),
]


def test_the_login_cookie_value_is_a_fixed_hmac_of_the_token() -> None:
    """Logged-in browsers stay logged in across upgrades only if this value never changes."""
    assert login_cookie_value(TOKEN) == "c8eabeadf0849bc0fe2b65bc4dedc90aaf6b145a09141d67a1b908059d8f347c"


def test_a_page_without_login_redirects_with_the_whole_target_escaped() -> None:
    sent, inner = _run(path="/queue", query="status=failed&q=é".encode("latin-1"), token=TOKEN)
    assert not inner.called
    assert sent == [
        {
            "type": "http.response.start",
            "status": 303,
            "headers": [(b"location", b"/login?next=%2Fqueue%3Fstatus%3Dfailed%26q%3D%C3%A9")],
        },
        {"type": "http.response.body", "body": b""},
    ]


def test_an_api_call_without_the_token_gets_an_exact_json_401() -> None:
    sent, _ = _run(path="/api/v1/stats", token=TOKEN)
    body = json.dumps({"detail": "access token required: send 'Authorization: Bearer <token>'"}).encode()
    assert sent == [
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        },
        {"type": "http.response.body", "body": body},
    ]


def test_a_page_post_without_csrf_gets_a_plain_text_403() -> None:
    sent, _ = _run(method="POST", path="/queue/add", headers=FORM_HEADERS, body=_form(b"text=hi"))
    body = b"CSRF check failed: reload the page and try again."
    assert sent[0]["status"] == 403
    assert sent[0]["headers"] == [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
    ]
    assert sent[1] == {"type": "http.response.body", "body": body}


def test_too_large_is_an_exact_json_413() -> None:
    headers = [(b"content-length", str(2 * 1024 * 1024).encode())]
    sent, _ = _run(method="POST", path="/api/v1/imports", headers=headers, max_upload_mb=1)
    body = json.dumps({"detail": "upload too large: the limit is 1 MB (EVERREACH_MAX_UPLOAD_MB)"}).encode()
    assert sent[0] == {
        "type": "http.response.start",
        "status": 413,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
    }
    assert sent[1] == {"type": "http.response.body", "body": body}


def test_a_form_token_split_over_chunks_is_found_and_the_app_reads_the_same_body() -> None:
    chunks = (b"text=hi&csrf_to", b"ken=" + CSRF[:10].encode(), CSRF[10:].encode())
    sent, inner = _run(method="POST", path="/queue/add", headers=FORM_HEADERS, body=_form(*chunks))
    assert sent[0]["status"] == 200
    assert inner.body == b"".join(chunks)


def test_a_chunk_without_a_body_key_counts_as_empty() -> None:
    body = [{"type": "http.request", "more_body": True}, *_form(f"csrf_token={CSRF}".encode())]
    sent, inner = _run(method="POST", path="/queue/add", headers=FORM_HEADERS, body=body)
    assert sent[0]["status"] == 200
    assert inner.body == f"csrf_token={CSRF}".encode()


def test_a_client_that_goes_away_mid_form_fails_the_csrf_check() -> None:
    body = [{"type": "http.request", "body": b"text=hi", "more_body": True}, {"type": "http.disconnect"}]
    sent, inner = _run(method="POST", path="/queue/add", headers=FORM_HEADERS, body=body)
    assert not inner.called
    assert sent[0]["status"] == 403


def test_the_form_buffer_cap_counts_every_chunk() -> None:
    """Two chunks, each under the 1 MB form cap, together over it: refused as too large, not read whole."""
    half = b"x" * (MAX_FORM_BYTES // 2 + 1)
    sent, inner = _run(method="POST", path="/queue/add", headers=FORM_HEADERS, body=_form(half, half))
    assert not inner.called
    assert sent[0]["status"] == 413


def test_a_form_at_exactly_the_buffer_cap_is_read() -> None:
    token = f"csrf_token={CSRF}&pad=".encode()
    full = token + b"x" * (MAX_FORM_BYTES - len(token))
    sent, inner = _run(method="POST", path="/queue/add", headers=FORM_HEADERS, body=_form(full))
    assert sent[0]["status"] == 200
    assert len(inner.body) == MAX_FORM_BYTES


def test_json_with_a_charset_parameter_is_still_a_json_api_call() -> None:
    for content_type in (b"application/json; charset=utf-8", b"Application/JSON;charset=utf-8"):
        headers = [(b"content-type", content_type)]
        sent, inner = _run(method="POST", path="/api/v1/templates", headers=headers, body=_form(b"{}"))
        assert sent[0]["status"] == 200, content_type
        assert inner.body == b"{}"


def test_a_post_without_a_content_type_fails_the_csrf_check_cleanly() -> None:
    headers = [(b"cookie", f"{CSRF_COOKIE}={CSRF}".encode())]
    sent, inner = _run(method="POST", path="/api/v1/templates", headers=headers, body=_form(b"{}"))
    assert not inner.called
    assert sent[0]["status"] == 403


def test_a_scope_without_a_query_string_reads_the_form_token() -> None:
    inner = Inner()
    app = SecurityMiddleware(inner, settings=Settings(max_upload_mb=512))
    incoming = _form(f"csrf_token={CSRF}".encode())
    sent: list[Message] = []

    async def receive() -> Message:
        return incoming.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/queue/add", "headers": FORM_HEADERS}
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 200


def test_a_form_with_bytes_that_are_not_utf8_still_has_its_token_read() -> None:
    body = b"text=\xff\xfe&csrf_token=" + CSRF.encode()
    sent, inner = _run(method="POST", path="/queue/add", headers=FORM_HEADERS, body=_form(body))
    assert sent[0]["status"] == 200
    assert inner.body == body


def test_after_the_replayed_form_the_app_hears_the_real_receive() -> None:
    """The buffered body is replayed once; the next receive() is the client's (here: its disconnect)."""
    heard: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        heard.append((await receive())["type"])
        heard.append((await receive())["type"])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    middleware = SecurityMiddleware(app, settings=Settings(max_upload_mb=512))
    incoming = _form(f"csrf_token={CSRF}".encode())
    sent: list[Message] = []

    async def receive() -> Message:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/queue/add", "query_string": b"", "headers": FORM_HEADERS}
    asyncio.run(middleware(scope, receive, send))
    assert heard == ["http.request", "http.disconnect"]
    assert sent[0]["status"] == 204


class StateApp:
    """Records the CSRF token handed to the app; answers with its own header, optionally without a headers key."""

    def __init__(self, *, with_headers: bool = True) -> None:
        self.token: str | None = None
        self.with_headers = with_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.token = scope["state"]["csrf_token"]
        start: dict[str, Any] = {"type": "http.response.start", "status": 200}
        if self.with_headers:
            start["headers"] = [(b"x-app", b"1")]
        await send(start)
        await send({"type": "http.response.body", "body": b"ok"})


def _state_run(app: Any, headers: list[tuple[bytes, bytes]], **settings: Any) -> list[Message]:
    middleware = SecurityMiddleware(app, settings=Settings(max_upload_mb=512, **settings))
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/api/v1/stats", "query_string": b"", "headers": headers}
    asyncio.run(middleware(scope, receive, send))
    return sent


def _cookie_headers(value: str) -> list[tuple[bytes, bytes]]:
    return [(b"cookie", f"{CSRF_COOKIE}={value}".encode())]


def test_a_csrf_cookie_of_20_characters_is_kept_and_not_set_again() -> None:
    app = StateApp()
    sent = _state_run(app, _cookie_headers("k" * 20))
    assert app.token == "k" * 20
    assert sent[0]["headers"] == [(b"x-app", b"1")]


def test_a_shorter_csrf_cookie_is_replaced_by_a_new_token_the_app_sees() -> None:
    app = StateApp()
    sent = _state_run(app, _cookie_headers("k" * 19))
    assert app.token is not None
    assert len(app.token) == 43  # 32 random bytes, URL-safe base64
    assert app.token != "k" * 19
    assert sent[0]["headers"] == [
        (b"x-app", b"1"),
        (b"set-cookie", f"{CSRF_COOKIE}={app.token}; Path=/; SameSite=Strict; HttpOnly".encode()),
    ]


def test_a_new_token_is_set_even_when_the_app_sends_no_headers_key() -> None:
    app = StateApp(with_headers=False)
    sent = _state_run(app, [])
    assert sent[0]["headers"] == [
        (b"set-cookie", f"{CSRF_COOKIE}={app.token}; Path=/; SameSite=Strict; HttpOnly".encode()),
    ]


def test_a_scope_without_headers_is_a_request_without_cookies() -> None:
    app = StateApp()
    middleware = SecurityMiddleware(app, settings=Settings(max_upload_mb=512))
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(middleware({"type": "http", "method": "GET", "path": "/", "query_string": b""}, receive, send))
    assert sent[0]["status"] == 200
    assert app.token is not None


def test_a_bearer_header_with_extra_spaces_is_accepted() -> None:
    app = StateApp()
    sent = _state_run(app, [(b"authorization", f"Bearer  {TOKEN} ".encode())], access_token=TOKEN)
    assert sent[0]["status"] == 200


MIB = 1024 * 1024
JSON = [(b"content-type", b"application/json")]


def test_a_content_length_of_exactly_the_limit_is_let_through() -> None:
    headers = [*JSON, (b"content-length", str(MIB).encode())]
    sent, inner = _run(method="POST", path="/api/v1/imports", headers=headers, body=_form(b"x" * MIB), max_upload_mb=1)
    assert sent[0]["status"] == 200
    assert len(inner.body) == MIB


def test_a_streamed_body_of_exactly_the_limit_is_read_and_one_byte_more_is_refused() -> None:
    sent, inner = _run(method="POST", path="/api/v1/imports", headers=JSON, body=_form(b"x" * MIB), max_upload_mb=1)
    assert sent[0]["status"] == 200
    assert len(inner.body) == MIB
    sent, _ = _run(method="POST", path="/api/v1/imports", headers=JSON, body=_form(b"x" * MIB, b"y"), max_upload_mb=1)
    assert sent[0]["status"] == 413


def test_a_streamed_body_over_the_limit_in_small_chunks_is_refused() -> None:
    chunks = [b"x" * (MIB // 4)] * 5
    sent, _ = _run(method="POST", path="/api/v1/imports", headers=JSON, body=_form(*chunks), max_upload_mb=1)
    assert sent[0]["status"] == 413
    assert sent[0]["headers"][0] == (b"content-type", b"application/json")


def test_a_body_too_large_after_the_app_answered_sends_nothing_more() -> None:
    async def answers_first(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 202, "headers": []})
        while (await receive()).get("more_body"):
            pass

    middleware = SecurityMiddleware(answers_first, settings=Settings(max_upload_mb=1))
    incoming = _form(b"x" * MIB, b"y")
    sent: list[Message] = []

    async def receive() -> Message:
        return incoming.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/v1/imports", "query_string": b"", "headers": JSON}
    asyncio.run(middleware(scope, receive, send))
    assert [m.get("status") for m in sent] == [202]
