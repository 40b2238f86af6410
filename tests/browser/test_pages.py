"""Every dashboard page at 1280 and 390 px: no horizontal scroll, no serious axe violation; nav, skip link, docs."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import check_page, shot

pytestmark = pytest.mark.browser
PAGES = [
    ("/", "01-today"),
    ("/contacts", "02-contacts"),
    ("/contacts/jane.builds", "03-contact"),
    ("/search?q=friend", "04-search"),
    ("/queue", "05-queue"),
    ("/pipeline", "06-pipeline"),
    ("/settings", "07-settings"),
    ("/import", "08-import"),
    ("/contacts/nobody-here", "09-not-found"),
]


def test_every_page_fits_and_passes_axe(server: str, page: Any) -> None:
    for path, name in PAGES:
        page.goto(server + path)
        if path == "/":
            page.wait_for_selector("form.suggest textarea")
        check_page(page, name)


def test_settings_opened_rows_fit(server: str, page: Any) -> None:
    page.goto(server + "/settings")
    for details in page.locator("#patterns details").all()[:3]:
        details.locator("summary").click()
    check_page(page, "07b-settings-open")


def test_phone_menu_collapses_and_opens(server: str, page: Any) -> None:
    page.goto(server + "/")
    settings = page.locator("nav.main a", has_text="Settings")
    if page.screen_name == "phone":
        assert not settings.is_visible()
        page.click("button.menu-toggle")
        assert page.locator("button.menu-toggle").get_attribute("aria-expanded") == "true"
        shot(page, "10-menu-open")
    assert settings.is_visible()
    settings.click()
    page.wait_for_url("**/settings")


def test_skip_link_and_visible_focus(server: str, page: Any) -> None:
    page.goto(server + "/contacts")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    assert page.evaluate("document.activeElement.className") == "skip"
    assert skip.is_visible()
    style = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert style == "solid"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_api_docs_come_from_this_server(server: str, page: Any) -> None:
    # The page fixture aborts and fails on any request outside the server. One size is enough: the assets
    # are the same, and Swagger UI's 1.7 MB bundle is the slowest page of the run.
    if page.screen_name == "phone":
        pytest.skip("the same assets at both sizes")
    page.goto(server + "/api/docs")
    page.wait_for_selector(".swagger-ui .information-container")
    shot(page, "11-api-docs")
    page.goto(server + "/api/redoc")
    page.wait_for_selector("redoc h1", state="attached")
    head = page.evaluate("document.querySelector('link[rel*=icon]').href")
    assert head.endswith("/static/favicon.svg")
    icon = page.request.get(server + "/favicon.ico")
    assert icon.ok
    assert icon.url.endswith("/static/favicon.svg")
    assert icon.headers["content-type"].startswith("image/svg")
