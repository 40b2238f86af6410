"""What a person does on the dashboard, at 1280 and 390 px (both screen sizes share one server, in that order)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LAUNCH_MESSAGES, XSS_IMG, XSS_SCRIPT, check_page, fits, shot

pytestmark = pytest.mark.browser


def test_today_suggestion_is_editable_queued_and_a_second_is_refused(server: str, page: Any) -> None:
    page.goto(server + "/")
    form = page.locator("form.suggest").first
    textarea = form.locator("textarea")
    assert textarea.input_value().strip(), "the card shows the suggested message"
    who = form.locator("xpath=ancestor::div[contains(@class,'person')]").get_attribute("data-username")
    mine = f"hey @{who}, saw your launch, how did it go? ({page.screen_name})"
    textarea.fill(mine)
    form.locator("button", has_text="Queue").first.click()
    page.wait_for_selector("text=Queued ✓")
    shot(page, "20-today-queued")
    # After a reload they have left Today: the weekly tasks leave out contacts with a message waiting.
    page.reload()
    assert page.locator(f".person[data-username='{who}']").count() == 0
    # The contact page refuses a second one unless "anyway" is ticked.
    page.goto(server + f"/contacts/{who}")
    assert page.locator("#open-message").is_visible()
    # No suggestion while one waits (the next best action never offers a second), but their own words can go.
    first = page.locator("#next-actions form.suggest").first
    first.locator("textarea").fill(f"one more thing, @{who} ({page.screen_name})")
    first.locator("button", has_text="Send now").click()
    page.wait_for_selector("#next-actions .field-error")
    assert "already has a message" in page.locator("#next-actions .field-error").first.inner_text()
    shot(page, "21-second-refused")
    again = page.locator("#next-actions form.suggest").first
    again.locator("input[name=force]").check()
    again.locator("button", has_text="Send now").click()
    page.wait_for_selector("text=Queued to send now ✓")
    page.goto(server + "/queue")
    table = page.locator("#queue-table").inner_text()
    assert mine in table
    assert "send now" in page.locator(f"#queue-table tr:has-text('@{who}')").first.inner_text().lower()
    check_page(page, "22-queue-with-items")


def test_cancel_asks_first(server: str, page: Any) -> None:
    page.goto(server + "/contacts/launch.talker")
    form = page.locator("#next-actions form.suggest").first
    if form.locator("input[name=force]").count():
        form.locator("input[name=force]").check()
    text = f"a message to cancel ({page.screen_name})"
    form.locator("textarea").fill(text)
    form.locator("button", has_text="Queue").first.click()
    page.wait_for_selector("text=Queued ✓")
    page.goto(server + "/queue")
    row = page.locator("#queue-table tr", has_text=text)
    row.locator("summary", has_text="Cancel").click()
    confirm = row.locator("button", has_text="Yes, cancel it")
    assert confirm.is_visible()
    shot(page, "23-cancel-confirm")
    confirm.click()
    page.wait_for_selector(".flash")
    assert "Cancelled the message to @launch.talker" in page.locator(".flash").inner_text()
    assert "Cancelled" in page.locator("#queue-table tr", has_text=text).inner_text()


def test_search_finds_people_and_pages_messages_with_escaped_marks(server: str, page: Any) -> None:
    box = page.locator("#header-search")
    page.goto(server + "/")
    box.fill("friend number")
    box.press("Enter")
    page.wait_for_url("**/search?q=friend+number")
    assert page.locator("input[type=search]").count() == 1, "one search box per page"
    people = page.locator("#people")
    assert "8 contacts" in people.inner_text()
    assert people.locator("mark").first.inner_text().lower() == "friend number"
    fits(page, "24-search-people")
    page.goto(server + "/search?q=launch+update")
    results = page.locator("#results")
    assert results.locator("li mark").count() == 50
    assert "more on the next page" in results.inner_text()
    results.locator("a", has_text="Older").click()
    page.wait_for_url("**page=2")
    assert page.locator("#results li mark").count() == LAUNCH_MESSAGES - 50
    shot(page, "25-search-page-2")
    page.goto(server + "/search?q=onerror")
    assert XSS_IMG in page.locator("#results").inner_text()
    page.goto(server + "/search?q=mal")
    assert page.evaluate("window.__xss") is None
    assert page.locator("#people img, #results img").count() == 0


def test_contacts_filter_total_and_both_sort_directions(server: str, page: Any) -> None:
    page.goto(server + "/contacts")
    page.fill("#f-q", "friend")
    page.locator("form.filters button", has_text="Filter").click()
    page.wait_for_url("**q=friend**")
    assert "8 contacts match" in page.locator("#total").inner_text()
    handles = page.locator("#contacts-table tbody tr td:first-child a")
    page.select_option("#f-order", "name:asc")
    page.locator("form.filters button", has_text="Filter").click()
    page.wait_for_url("**order=name%3Aasc**")
    up = [h.strip() for h in handles.all_inner_texts()]
    assert up == sorted(up)
    page.select_option("#f-order", "name:desc")
    page.locator("form.filters button", has_text="Filter").click()
    page.wait_for_url("**order=name%3Adesc**")
    assert [h.strip() for h in handles.all_inner_texts()] == sorted(up, reverse=True)
    if page.screen_name == "desktop":  # column headers sort too (the phone shows cards, sorted by the box)
        page.locator("th a", has_text="Last talked").click()
        page.wait_for_url("**sort=touch**")
        assert page.locator("th[aria-sort]").inner_text().lower().startswith("last talked")
        page.locator("th a", has_text="Last talked").click()
        page.wait_for_url("**dir=asc**")
    fits(page, "26-contacts-filtered")


def test_contact_page_details_interval_timeline_and_kept_input(server: str, page: Any) -> None:
    who = "friend3" if page.screen_name == "desktop" else "friend4"
    page.goto(server + f"/contacts/{who}")
    page.fill("#d-tags", "Podcast, climbing ,podcast")
    page.fill("#d-notes", "met at the meetup; likes long walks")
    page.click("#save-details")
    page.wait_for_selector(".flash")
    assert page.locator("#d-tags").input_value() == "podcast, climbing"
    assert "likes long walks" in page.locator("#d-notes").input_value()
    page.fill("#k-days", "abc")
    page.click("#save-keep")
    assert "whole number" in page.locator("#days-error").inner_text()
    assert page.locator("#k-days").input_value() == "abc"
    page.fill("#k-days", "21")
    page.click("#save-keep")
    page.wait_for_selector(".flash")
    assert page.locator("#k-days").input_value() == "21"
    assert "next touch planned" in page.locator("main").inner_text()
    # A wrong record kind keeps the typed note and says why beside the field.
    page.select_option("#record-what", "value")
    page.fill("#record-kind", "nonsense")
    page.fill("#record-note", "the typed note stays")
    page.click("#record-submit")
    assert page.locator("#kind-error").is_visible()
    assert page.locator("#record-note").input_value() == "the typed note stays"
    assert page.locator("#record-kind").get_attribute("aria-invalid") == "true"
    check_page(page, "27-contact-form-error")
    page.fill("#record-kind", "link")
    page.click("#record-submit")
    page.wait_for_selector(".flash")
    timeline = page.locator("#conversation").inner_text()
    for expected in ("Link: the typed note stays", "Stage:", "Context captured", "how is the launch going?"):
        assert expected in timeline
    shot(page, "28-contact-timeline")


def test_pipeline_stage_links_to_its_contacts(server: str, page: Any) -> None:
    page.goto(server + "/pipeline")
    assert page.locator("#weeks .week").count() == 12
    page.locator("#stages a", has_text="Context captured").click()
    page.wait_for_url("**/contacts?stage=context_captured")
    assert page.locator("#f-stage").input_value() == "context_captured"
    assert "match" in page.locator("#total").inner_text()


def test_settings_deactivate_can_be_undone(server: str, page: Any) -> None:
    page.goto(server + "/settings")
    row = page.locator("#templates tbody tr").first
    name = row.locator("b").first.inner_text()
    row.locator("button", has_text="Deactivate").click()
    page.wait_for_selector("#undo")
    assert "deactivated" in page.locator(".flash").inner_text()
    assert "inactive" in page.locator("#templates tbody tr", has_text=name).first.inner_text()
    shot(page, "29-settings-undo")
    page.click("#undo")
    page.wait_for_selector(".flash")
    assert "activated" in page.locator(".flash").inner_text()
    assert "inactive" not in page.locator("#templates tbody tr", has_text=name).first.inner_text()


def test_settings_error_keeps_what_was_typed(server: str, page: Any) -> None:
    page.goto(server + "/settings")
    page.locator("#templates details summary", has_text="Add a template").click()
    page.select_option("#t-lane", "rewarm")
    page.fill("#t-key", "low_friction")  # the rewarm lane has it already
    page.fill("#t-text", "my draft template text")
    page.locator("#templates form button", has_text="Add template").click()
    assert "already has a template" in page.locator("#templates .field-error").inner_text()
    assert page.locator("#t-text").input_value() == "my draft template text"


def test_garbage_upload_fails_in_red_naming_the_file(server: str, page: Any, tmp_path: Path) -> None:
    garbage = tmp_path / f"my-export-{page.screen_name}.zip"
    garbage.write_bytes(b"this is not a zip file at all" * 20)
    page.goto(server + "/import")
    page.set_input_files("#file", str(garbage))
    page.locator("#upload-form button").click()
    job = page.locator(".job", has_text=garbage.name)
    job.locator(".badge", has_text="Failed").wait_for()
    error = job.locator("[role=alert]").inner_text()
    assert garbage.name in error
    assert "/uploads/" not in error
    assert str(tmp_path) not in error
    check_page(page, "30-import-failed")


def test_xss_message_renders_inert(server: str, page: Any) -> None:
    page.goto(server + "/contacts/mallory")
    chat = page.locator("#conversation").inner_text()
    assert XSS_SCRIPT in chat
    assert XSS_IMG in chat
    assert page.evaluate("window.__xss") is None
    assert page.locator("#conversation img").count() == 0
