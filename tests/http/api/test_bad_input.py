"""Hostile input is a clear 4xx with a readable message, never a 500: NUL, lone surrogates, deep nesting, length."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from everreach.http.webhooks.signature import sign
from tests.http.conftest import APP_SECRET, add_contact, csrf

SURROGATE_VALUE = b'{"kind": "call", "note": "\\ud800"}'
SURROGATE_TEMPLATE = b'{"lane": "friendship", "action_key": "k", "action_text": "hi \\ud800"}'
DEEP = b"[" * 100_000 + b"]" * 100_000


def _json(client: Any, path: str, body: bytes) -> Any:
    return client.post(path, content=body, headers={"Content-Type": "application/json"})


def test_nul_in_api_search_is_a_400(client: Any) -> None:
    r = client.get("/api/v1/search?q=a%00b")
    assert r.status_code == 400
    assert "NUL" in r.json()["detail"]


def test_nul_in_dashboard_search_is_a_page(client: Any) -> None:
    r = client.get("/search?q=a%00b")
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("text/html")
    assert "NUL" in r.text


def test_long_dashboard_search_is_a_readable_page(client: Any) -> None:
    r = client.get("/search", params={"q": "x" * 10_000})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("text/html")
    assert "at most 200 characters" in r.text
    assert '"detail"' not in r.text
    assert "string_too_long" not in r.text


def test_long_api_search_stays_json(client: Any) -> None:
    r = client.get("/api/v1/search", params={"q": "x" * 10_000})
    assert r.status_code == 422
    assert r.json()["detail"]


def test_lone_surrogate_in_json_is_a_422(client: Any, session: Session) -> None:
    add_contact(session, "u")
    session.commit()
    for path, body in (("/api/v1/contacts/u/value", SURROGATE_VALUE), ("/api/v1/templates", SURROGATE_TEMPLATE)):
        r = _json(client, path, body)
        assert r.status_code == 422, (path, r.text)
        assert "surrogate" in r.json()["detail"]


def test_surrogate_pairs_are_fine(client: Any) -> None:
    body = b'{"lane": "friendship", "action_key": "emoji", "action_text": "hi \\ud83d\\ude00"}'
    r = _json(client, "/api/v1/templates", body)
    assert r.status_code == 201
    assert r.json()["action_text"] == "hi \U0001f600"


def test_deeply_nested_json_is_a_400(client: Any) -> None:
    r = _json(client, "/api/v1/templates", DEEP)
    assert r.status_code == 400
    assert "nested" in r.json()["detail"]
    shallow_but_deep = b'{"pattern_type": "skip_pattern", "pattern_key": "k", "pattern_value": "v", "metadata": '
    shallow_but_deep += b'{"a": ' * 200 + b"1" + b"}" * 200 + b"}"
    assert _json(client, "/api/v1/patterns", shallow_but_deep).status_code == 400


def test_broken_json_and_bad_utf8_are_clear(client: Any) -> None:
    r = _json(client, "/api/v1/templates", b'{"lane": ')
    assert r.status_code in (400, 422)
    bad = _json(client, "/api/v1/templates", b'{"lane": "\xff"}')
    assert bad.status_code == 400
    assert "UTF-8" in bad.json()["detail"]


def _signed(client: Any, body: bytes) -> Any:
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, APP_SECRET)}
    return client.post("/webhooks/instagram", content=body, headers=headers)


@pytest.mark.parametrize(
    "body",
    [
        DEEP,
        b'{"object": "instagram", "entry": [{"id": "1", "messaging": [{"sender": {"id": "2"}, "recipient": {"id":'
        b' "1"}, "timestamp": 1718000000000, "message": {"mid": "m", "text": "\\udc00 hi"}}]}]}',
    ],
    ids=["nested", "surrogate"],
)
def test_signed_hostile_webhook_is_a_4xx(client: Any, body: bytes) -> None:
    r = _signed(client, body)
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["detail"]


def test_nul_in_a_form_is_refused_on_every_engine(client: Any) -> None:
    data = {"lane": "friendship", "action_key": "nul", "action_text": "a\x00b", "csrf_token": csrf(client)}
    r = client.post("/settings/templates", data=data)
    assert r.status_code == 400
    assert "NUL" in r.text
