"""Hardening of the HTTP layer: Host and Origin checks (DNS rebinding), security headers, login throttling."""

from __future__ import annotations

import re
from typing import Any

import pytest

from everreach.http.login_guard import LoginThrottle
from tests.http.conftest import csrf

TOKEN = "a-strong-token-of-thirty-two-chars"


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example", "localhost.evil"])
def test_foreign_host_is_refused_before_any_route(client: Any, host: str) -> None:
    r = client.get("/api/v1/contacts", headers={"Host": host})
    assert r.status_code == 421
    assert "not served as" in r.json()["detail"]
    page = client.get("/", headers={"Host": host})
    assert page.status_code == 421
    assert "EVERREACH_ALLOWED_HOSTS" in page.text


def test_rebound_json_post_is_refused(client: Any) -> None:
    r = client.post(
        "/api/v1/templates",
        json={"lane": "friendship", "action_key": "rebound", "action_text": "hi"},
        headers={"Host": "evil.example:8000", "Origin": "http://evil.example:8000"},
    )
    assert r.status_code == 421
    assert all(t["action_key"] != "rebound" for t in client.get("/api/v1/templates").json())


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.1:8000", "localhost:8000", "LOCALHOST", "[::1]:8000", "[::1]"])
def test_loopback_names_are_answered(client: Any, host: str) -> None:
    assert client.get("/api/v1/stats", headers={"Host": host}).status_code == 200


def test_missing_host_is_refused(client: Any) -> None:
    assert client.get("/api/v1/stats", headers={"Host": ""}).status_code == 400


def test_configured_and_added_hosts_are_answered(make_client: Any) -> None:
    client = make_client(host="crm.lan", allowed_hosts=["hooks.example.net", "Tunnel.Example.ORG"])
    assert client.get("/api/v1/stats", headers={"Host": "crm.lan:8000"}).status_code == 200
    assert client.get("/api/v1/stats", headers={"Host": "hooks.example.net"}).status_code == 200
    assert client.get("/api/v1/stats", headers={"Host": "tunnel.example.org"}).status_code == 200
    assert client.get("/api/v1/stats", headers={"Host": "other.example.net"}).status_code == 421


def test_webhook_through_a_tunnel_needs_its_host_added(make_client: Any) -> None:
    closed = make_client()
    assert closed.get("/webhooks/instagram", headers={"Host": "abc.trycloudflare.com"}).status_code == 421
    open_ = make_client(allowed_hosts=["abc.trycloudflare.com"])
    assert open_.get("/webhooks/instagram", headers={"Host": "abc.trycloudflare.com"}).status_code == 403


def test_wildcard_bind_answers_ip_literals_but_not_names(make_client: Any) -> None:
    client = make_client(host="0.0.0.0", access_token=TOKEN)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert client.get("/api/v1/stats", headers={**auth, "Host": "192.168.1.20:8000"}).status_code == 200
    assert client.get("/api/v1/stats", headers={**auth, "Host": "[fe80::1]:8000"}).status_code == 200
    assert client.get("/api/v1/stats", headers={**auth, "Host": "evil.example"}).status_code == 421
    loopback = make_client()
    assert loopback.get("/api/v1/stats", headers={"Host": "192.168.1.20"}).status_code == 421


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_unsafe_methods_from_another_origin_are_refused(client: Any, method: str) -> None:
    headers = {"X-CSRF-Token": csrf(client), "Origin": "http://localhost:3000", "Host": "localhost:8000"}
    r = client.request(method.upper(), "/api/v1/templates", headers=headers, json={})
    assert r.status_code == 403
    assert "origin" in r.json()["detail"].lower()
    null = client.request(method.upper(), "/api/v1/templates", headers={**headers, "Origin": "null"}, json={})
    assert null.status_code == 403


def test_https_ended_by_a_tunnel_is_the_same_origin(make_client: Any) -> None:
    client = make_client(allowed_hosts=["abc.trycloudflare.com"])
    headers = {"Host": "abc.trycloudflare.com", "Origin": "https://abc.trycloudflare.com"}
    body = {"lane": "friendship", "action_key": "tunnel", "action_text": "hi"}
    assert client.post("/api/v1/templates", json=body, headers=headers).status_code == 201
    # a local https page on another port is another origin
    other = {"Host": "localhost:8000", "Origin": "https://localhost:3000"}
    assert client.post("/api/v1/templates", json=body, headers=other).status_code == 403
    assert (
        client.post("/api/v1/templates", json=body, headers={**other, "Origin": "https://localhost"}).status_code == 403
    )


def test_same_origin_and_originless_writes_pass(client: Any) -> None:
    body = {"lane": "friendship", "action_key": "same-origin", "action_text": "hi ___"}
    same = client.post("/api/v1/templates", json=body, headers={"Origin": "http://testserver"})
    assert same.status_code == 201
    body["action_key"] = "no-origin"
    assert client.post("/api/v1/templates", json=body).status_code == 201
    # a safe method is not checked: links from anywhere may open the dashboard
    assert client.get("/api/v1/stats", headers={"Origin": "http://elsewhere.example"}).status_code == 200


CSP_DIRECTIVES = ("default-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'")


@pytest.mark.parametrize("path", ["/", "/api/v1/stats", "/static/app.css", "/nope", "/import"])
def test_every_response_has_security_headers(client: Any, path: str) -> None:
    r = client.get(path)
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    csp = r.headers["content-security-policy"]
    for directive in CSP_DIRECTIVES:
        assert directive in csp
    script_src = re.search(r"script-src ([^;]*)", csp)
    assert script_src
    assert "'unsafe-inline'" not in script_src.group(1)
    assert "'unsafe-eval'" not in script_src.group(1)


def test_refusals_carry_the_headers_too(client: Any) -> None:
    r = client.get("/", headers={"Host": "evil.example"})
    assert r.headers["x-frame-options"] == "DENY"
    assert "content-security-policy" in r.headers


def test_the_import_page_inline_script_is_allowed_by_hash(client: Any) -> None:
    import base64
    import hashlib

    page = client.get("/import")
    scripts = re.findall(r"<script>(.*?)</script>", page.text, flags=re.S)
    assert scripts, "the import page has its inline upload script"
    csp = page.headers["content-security-policy"]
    for body in scripts:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp


def test_login_throttles_after_five_wrong_tokens(make_client: Any) -> None:
    client = make_client(access_token=TOKEN)
    client.get("/login")
    token = client.cookies.get("everreach_csrf")
    form = {"token": "wrong", "next": "/", "csrf_token": token}
    for _ in range(5):
        assert client.post("/login", data=form).status_code == 401
    blocked = client.post("/login", data=form)
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) >= 1
    assert "Too many wrong tokens" in blocked.text
    # even the right token waits: the lock is per address, not per guess
    right = client.post("/login", data={**form, "token": TOKEN}, follow_redirects=False)
    assert right.status_code == 429


def test_login_success_clears_the_count(make_client: Any) -> None:
    client = make_client(access_token=TOKEN)
    client.get("/login")
    form = {"token": "wrong", "next": "/", "csrf_token": client.cookies.get("everreach_csrf")}
    for _ in range(4):
        assert client.post("/login", data=form).status_code == 401
    assert client.post("/login", data={**form, "token": TOKEN}, follow_redirects=False).status_code == 303
    for _ in range(4):
        assert client.post("/login", data=form).status_code == 401


def test_throttle_window_and_addresses() -> None:
    now = [1000.0]
    throttle = LoginThrottle(None, clock=lambda: now[0])  # type: ignore[arg-type]
    for _ in range(5):
        assert throttle.wait_for("10.0.0.1") == 0
        throttle.failed("10.0.0.1")
    assert throttle.wait_for("10.0.0.1") == 60
    assert throttle.wait_for("10.0.0.2") == 0  # another address is not locked out
    now[0] += 59.5
    assert throttle.wait_for("10.0.0.1") == 1
    now[0] += 0.5
    assert throttle.wait_for("10.0.0.1") == 0  # the oldest failure left the minute


def test_throttle_remembers_a_bounded_number_of_addresses() -> None:
    throttle = LoginThrottle(None, clock=lambda: 0.0, max_addresses=3)  # type: ignore[arg-type]
    for i in range(10):
        throttle.failed(f"10.0.0.{i}")
    assert len(throttle.failures) == 3


def test_docs_page_inline_init_script_is_allowed_by_hash(client: Any) -> None:
    import base64
    import hashlib

    page = client.get("/api/docs")
    assert page.status_code == 200
    inline = re.findall(r"<script>(.*?)</script>", page.text, flags=re.S)
    assert inline, "Swagger UI starts from an inline script"
    csp = page.headers["content-security-policy"]
    for body in inline:
        assert "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'" in csp
    assert "worker-src 'self' blob:" in csp
    # the hash is of this page only: other pages do not allow it
    other = client.get("/").headers["content-security-policy"]
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert digest not in other
