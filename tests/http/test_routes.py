"""Every route is a `Route`: a plain endpoint costs one thread-pool trip (FastAPI alone makes two)."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

import fastapi.dependencies.utils
import fastapi.routing
import pytest
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from everreach.http import routes
from everreach.http.app import create_app
from tests.http.conftest import TestClient, add_contact, make_settings


def _api_routes(client: TestClient) -> list[APIRoute]:
    found: list[APIRoute] = []

    def walk(items: Any) -> None:
        for route in items:
            if isinstance(route, APIRoute):
                found.append(route)
            elif hasattr(route, "original_router"):  # an included router (FastAPI keeps them nested)
                walk(route.original_router.routes)

    walk(client.app.router.routes)  # type: ignore[attr-defined]
    return found


def test_every_api_route_is_a_one_trip_route(client: TestClient) -> None:
    found = _api_routes(client)
    assert len(found) > 50
    assert [r.path for r in found if not isinstance(r, routes.Route)] == []


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every thread-pool trip made while a request is served, by who made it."""
    made: list[str] = []

    def counting(where: str, real: Callable[..., Any]) -> Callable[..., Any]:
        async def run(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
            made.append(where)
            return await real(func, *args, **kwargs)

        return run

    for module in (routes, fastapi.routing, fastapi.dependencies.utils):
        monkeypatch.setattr(module, "run_in_threadpool", counting(module.__name__, module.run_in_threadpool))
    return made


def test_a_plain_endpoint_makes_one_trip(client: TestClient, session: Session, trips: list[str]) -> None:
    add_contact(session, "onetrip")
    session.commit()
    trips.clear()
    answer = client.get("/api/v1/contacts/onetrip")
    assert answer.status_code == 200
    assert answer.json()["health"]["username"] == "onetrip"
    assert trips == ["everreach.http.routes"]  # FastAPI's own: the endpoint, then its answer's check


def test_a_plain_endpoint_still_validates_its_input_and_answer(client: TestClient, trips: list[str]) -> None:
    assert client.get("/api/v1/contacts?limit=0").status_code == 422
    assert client.get("/api/v1/contacts/nobody-here").status_code == 404
    assert trips == ["everreach.http.routes"]  # the 422 is decided before the endpoint runs


def test_a_served_app_freezes_what_start_up_made_and_thaws_it_at_shutdown(db_url: str) -> None:
    assert gc.get_freeze_count() == 0
    with TestClient(create_app(make_settings(db_url), served=True)) as served:
        assert gc.get_freeze_count() > 10_000  # the modules, routes and tables of start-up
        assert served.get("/api/v1/stats").status_code == 200
    assert gc.get_freeze_count() == 0
    with TestClient(create_app(make_settings(db_url))):  # a test's app: the collector as it was
        assert gc.get_freeze_count() == 0
