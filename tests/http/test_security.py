"""Access token, login cookie, CSRF on every state change, upload size limit, escaping."""

from __future__ import annotations

from typing import Any

from everreach.http.security import AUTH_COOKIE
from tests.http.conftest import csrf

TOKEN = "s3cret-token-for-tests"


def test_no_token_configured_is_open_on_loopback(client: Any) -> None:
    assert client.get("/api/v1/stats").status_code == 200
    assert client.get("/settings").status_code == 200


def test_token_required_when_configured(make_client: Any) -> None:
    client = make_client(access_token=TOKEN)
    assert client.get("/api/v1/stats").status_code == 401
    assert client.get("/api/v1/stats", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/api/v1/stats", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    page = client.get("/settings", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=%2Fsettings"
    # static files and the signed webhook stay reachable
    assert client.get("/static/app.css").status_code == 200


def test_login_form_sets_cookie(make_client: Any) -> None:
    client = make_client(access_token=TOKEN)
    token = csrf_from_login(client)
    bad = client.post("/login", data={"token": "nope", "next": "/queue", "csrf_token": token})
    assert bad.status_code == 401
    assert "not right" in bad.text
    ok = client.post("/login", data={"token": TOKEN, "next": "/queue", "csrf_token": token}, follow_redirects=False)
    assert ok.status_code == 303
    assert ok.headers["location"] == "/queue"
    assert TOKEN not in ok.headers["set-cookie"]
    assert client.cookies.get(AUTH_COOKIE)
    assert client.get("/queue").status_code == 200
    assert client.get("/api/v1/stats").status_code == 200


def test_login_refuses_offsite_redirect(make_client: Any) -> None:
    client = make_client(access_token=TOKEN)
    token = csrf_from_login(client)
    r = client.post(
        "/login", data={"token": TOKEN, "next": "//evil.example/x", "csrf_token": token}, follow_redirects=False
    )
    assert r.headers["location"] == "/"


def csrf_from_login(client: Any) -> str:
    client.get("/login")
    token = client.cookies.get("everreach_csrf")
    assert token
    return str(token)


def test_form_posts_need_csrf(client: Any) -> None:
    data = {"lane": "friendship", "stage": "any", "action_key": "hello_again", "action_text": "hey ___"}
    assert client.post("/settings/templates", data=data).status_code == 403
    assert client.post("/settings/templates", data={**data, "csrf_token": "forged" * 6}).status_code == 403
    ok = client.post("/settings/templates", data={**data, "csrf_token": csrf(client)}, follow_redirects=False)
    assert ok.status_code == 303
    # htmx sends the token as a header
    hx = client.post(
        "/settings/templates",
        data={**data, "action_key": "second"},
        headers={"X-CSRF-Token": csrf(client), "HX-Request": "true"},
        follow_redirects=False,
    )
    assert hx.status_code == 303


def test_api_needs_json_or_csrf_for_changes(client: Any) -> None:
    body = {"pattern_type": "spam_pattern", "pattern_key": "k", "pattern_value": "v"}
    # a cross-site form can only send "simple" content types: refused without the token
    assert client.post("/api/v1/patterns", data=body).status_code == 403
    assert client.post("/api/v1/patterns", content=b"{}", headers={"Content-Type": "text/plain"}).status_code == 403
    assert client.post("/api/v1/patterns", json=body).status_code == 201


def test_bearer_skips_csrf(make_client: Any) -> None:
    client = make_client(access_token=TOKEN)
    r = client.post(
        "/settings/templates",
        data={"lane": "friendship", "action_key": "x", "action_text": "y"},
        headers={"Authorization": f"Bearer {TOKEN}"},
        follow_redirects=False,
    )
    assert r.status_code == 303


def test_upload_size_limit_is_a_clear_413(make_client: Any) -> None:
    client = make_client(max_upload_mb=1)
    big = b"x" * (1024 * 1024 + 10)
    r = client.post(
        "/api/v1/imports",
        files={"file": ("export.zip", big, "application/zip")},
        headers={"X-CSRF-Token": csrf(client)},
    )
    assert r.status_code == 413
    assert "1 MB" in r.json()["detail"]


def test_streamed_upload_over_limit_is_413(make_client: Any) -> None:
    client = make_client(max_upload_mb=1)
    token = csrf(client)

    def chunks() -> Any:  # a valid multipart body, streamed without a Content-Length
        yield b'--zzz\r\nContent-Disposition: form-data; name="file"; filename="e.zip"\r\n\r\n'
        for _ in range(20):
            yield b"y" * 100_000
        yield b"\r\n--zzz--\r\n"

    r = client.post(
        "/api/v1/imports?csrf_token=" + token,
        content=chunks(),
        headers={"Content-Type": "multipart/form-data; boundary=zzz"},
    )
    assert r.status_code == 413


def test_nul_bytes_are_a_clear_422_on_every_engine(client: Any) -> None:
    r = client.post("/api/v1/queue/next", json={"username": "\u0000"})
    assert r.status_code in (404, 422)
    r = client.post(
        "/api/v1/patterns", json={"pattern_type": "skip_pattern", "pattern_key": "k", "pattern_value": "a\u0000b"}
    )
    assert r.status_code in (201, 422)
