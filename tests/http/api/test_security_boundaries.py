"""Boundary tests that pin the security middleware's constants: each fails when one of them is changed."""

from __future__ import annotations

from typing import Any

import pytest

from everreach.http.security import MAX_FORM_BYTES
from tests.http.conftest import csrf

TOKEN = "a-strong-token-of-thirty-two-chars"
TEMPLATE = {"lane": "friendship", "action_key": "k", "action_text": "hi"}


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_every_unsafe_method_needs_the_csrf_token(client: Any, method: str) -> None:
    # form-encoded: no JSON exemption, no bearer token, no CSRF token
    r = client.request(method, "/api/v1/templates/00000000000000000000000000000000", content=b"a=b",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert r.status_code == 403
    assert "CSRF" in r.json()["detail"]


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_safe_methods_need_no_csrf_token(client: Any, method: str) -> None:
    assert client.request(method, "/api/v1/stats").status_code != 403


@pytest.mark.parametrize(
    "path", ["/api/imports", "/api/v1/imports", "/api/v1/stats", "/settings", "/staticx", "/webhooksx", "/"]
)
def test_private_paths_need_the_token(make_client: Any, path: str) -> None:
    client = make_client(access_token=TOKEN)
    r = client.get(path, follow_redirects=False)
    assert r.status_code in (303, 401)


@pytest.mark.parametrize("path", ["/static/app.css", "/login", "/webhooks/instagram"])
def test_public_paths_need_no_token(make_client: Any, path: str) -> None:
    client = make_client(access_token=TOKEN)
    assert client.get(path, follow_redirects=False).status_code not in (303, 401)


def test_login_redirect_keeps_the_query(make_client: Any) -> None:
    client = make_client(access_token=TOKEN)
    r = client.get("/contacts?stage=friend&min_score=10", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=%2Fcontacts%3Fstage%3Dfriend%26min_score%3D10"
    bare = client.get("/contacts", follow_redirects=False)
    assert bare.headers["location"] == "/login?next=%2Fcontacts"


def _form_with_token_at_end(token: str, size: int) -> bytes:
    tail = b"&csrf_token=" + token.encode()
    body = b"lane=friendship&action_key=big&action_text=hi&stage=any&pad="
    return body + b"x" * (size - len(body) - len(tail)) + tail


def test_form_buffer_cap_is_one_megabyte(client: Any) -> None:
    token = csrf(client)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    assert MAX_FORM_BYTES == 1_000_000
    at_cap = client.post("/settings/templates", content=_form_with_token_at_end(token, MAX_FORM_BYTES),
                         headers=headers, follow_redirects=False)  # fmt: skip
    assert at_cap.status_code not in (403, 413), at_cap.text[:200]
    over = client.post("/settings/templates", content=_form_with_token_at_end(token, MAX_FORM_BYTES + 1),
                       headers=headers, follow_redirects=False)  # fmt: skip
    assert over.status_code == 413
