"""Hypothesis on the Instagram webhook: any signed body gets a clear 2xx/4xx answer, never a 5xx."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from everreach.config import Settings
from everreach.http.app import create_app
from tests.fuzz.strategies import json_values, texts, timestamps_ms

SECRET = "fuzz-secret"
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

ids = st.sampled_from(["17841400000000001", "1234", "", "x" * 300]) | st.text(max_size=12)
message_part = st.fixed_dictionaries(
    {"mid": st.text(max_size=20) | json_values},
    optional={
        "text": texts | json_values,
        "attachments": st.lists(
            st.fixed_dictionaries({"type": st.sampled_from(["image", "share", "story_mention"]) | json_values},
                                  optional={"payload": st.fixed_dictionaries({"url": texts}) | json_values}),
            max_size=2,
        ) | json_values,
        "is_echo": st.booleans() | json_values,
        "is_deleted": st.booleans() | json_values,
    },
)  # fmt: skip
event = st.fixed_dictionaries(
    {},
    optional={
        "sender": st.fixed_dictionaries({"id": ids}) | json_values,
        "recipient": st.fixed_dictionaries({"id": ids}) | json_values,
        "timestamp": timestamps_ms | json_values,
        "message": message_part | json_values,
        "reaction": st.fixed_dictionaries({"mid": ids, "action": st.sampled_from(["react", "unreact"])}) | json_values,
        "read": st.fixed_dictionaries({"mid": ids}) | json_values,
    },
)
notification = st.fixed_dictionaries(
    {},
    optional={
        "object": st.sampled_from(["instagram", "page"]) | json_values,
        "entry": st.lists(
            st.fixed_dictionaries(
                {}, optional={"id": ids, "time": timestamps_ms, "messaging": st.lists(event, max_size=3) | json_values,
                              "standby": st.lists(event, max_size=2)},
            ) | json_values,
            max_size=3,
        ) | json_values,
    },
)  # fmt: skip


def _signed(body: bytes) -> dict[str, str]:
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={digest}", "Content-Type": "application/json"}


def test_signed_payloads_never_500(db_url: str) -> None:
    app = create_app(Settings(database_url=db_url, instagram_app_secret=SECRET, allowed_hosts=["testserver"]))
    with TestClient(app, raise_server_exceptions=False) as client:

        @FUZZ
        @given(payload=notification | json_values, raw=st.none() | st.binary(max_size=200))
        def check(payload: Any, raw: bytes | None) -> None:
            body = raw if raw is not None else json.dumps(payload).encode()
            response = client.post("/webhooks/instagram", content=body, headers=_signed(body))
            assert response.status_code < 500, (response.status_code, response.text[:300], body[:300])

        check()
