"""Schemathesis over the OpenAPI schema: no generated request may produce a 5xx.

Schemathesis's own pytest plugin does not load under this pytest version, so each operation's Hypothesis
strategy is driven directly.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from sqlalchemy.orm import Session

from everreach.http.app import create_app
from everreach.seed.defaults import seed_defaults
from tests.http.conftest import add_contact, add_messages, make_settings

TOKEN = "fuzz-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_no_server_errors(db_url: str, session: Session) -> None:
    seed_defaults(session)
    jane = add_contact(session, "jane")
    add_messages(session, jane, [("hello there", False), ("hi!", True)])
    session.commit()
    app = create_app(make_settings(db_url, access_token=TOKEN, max_upload_mb=1))
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app, headers=AUTH)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 35

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case: Any) -> None:
            response = case.call(headers=AUTH)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}")

        check()
    assert not failures, "\n".join(failures[:20])
