"""Lessons mode in a real Chromium: every step clicked through at 1366x768 and at phone width, a step opened by
link in a fresh browser, a link copied mid-step reopening it as it was, and the presenter view."""

from __future__ import annotations

import re

import pytest
from browser_helpers import LOAD_TIMEOUT_MS, RERUN_TIMEOUT_MS, assert_no_exception, new_page, rerun, sidebar
from playwright.sync_api import expect
from test_browser_a11y import assert_no_serious_violations, open_settled

from cedash.lessons.guide import load_steps
from dashboard.lessons_panel import step_settings
from harness.browser import APP_IDLE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

STEPS = load_steps()
PHONE = {"width": 390, "height": 844}
PANEL = ".st-key-lesson_panel"


def open_page(page, url: str, query: str = "") -> None:
    page.goto(f"{url}/{query}")
    page.wait_for_selector(APP_IDLE, timeout=LOAD_TIMEOUT_MS)


def panel_heading(page) -> str:
    return page.locator(PANEL).get_by_test_id("stProgress").inner_text(timeout=RERUN_TIMEOUT_MS)


def assert_on_step(page, number: int) -> None:
    heading = panel_heading(page)
    step = STEPS[number - 1]
    assert heading.startswith(f"Step {number} of {len(STEPS)}") and step.title in heading, heading
    assert re.search(rf"[?&]lesson={number}(&|$)", page.url), page.url
    tab = page.get_by_role("tab", name=step_settings(step)["view"], exact=True)
    assert tab.get_attribute("aria-selected") == "true"
    assert page.locator(PANEL).get_by_text("Try this:").count() == 1
    assert_no_exception(page)


def click(page, key: str) -> None:
    with rerun(page):
        page.locator(f".st-key-{key} button:visible").click()


def test_every_step_clicked_through_on_a_laptop_screen_and_back_on_a_phone(page, app_url):
    open_page(page, app_url)
    click(page, "lessons_open")
    assert_on_step(page, 1)
    for number in range(2, len(STEPS) + 1):
        click(page, "lesson_next")
        assert_on_step(page, number)
        box = page.locator(PANEL).bounding_box()
        assert box is not None and box["x"] + box["width"] <= page.viewport_size["width"], box
    page.set_viewport_size(PHONE)
    for number in range(len(STEPS) - 1, 0, -1):
        click(page, "lesson_back")
        assert_on_step(page, number)
        # Nothing sticks out sideways on a phone: the buttons wrap inside the panel.
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"], width
        buttons = page.locator(".st-key-lesson_buttons").bounding_box()
        assert buttons is not None and buttons["x"] + buttons["width"] <= PHONE["width"], buttons
    click(page, "lesson_close")
    assert page.locator(PANEL).count() == 0 and "lesson=" not in page.url
    assert_no_exception(page)


def test_a_step_opens_by_link_in_a_fresh_browser_and_a_copied_link_keeps_what_was_tried(browser, app_url):
    first = new_page(browser)
    try:
        open_page(first, app_url, "?lesson=3")
        assert_on_step(first, 3)
        rate = sidebar(first).get_by_label("Learning rate", exact=True)
        # As below: on a busy machine the box can show 0 for a moment before the step's rate arrives.
        expect(rate).not_to_have_value(re.compile(r"^0(\.0*)?$"), timeout=LOAD_TIMEOUT_MS)
        assert float(rate.input_value()) == step_settings(STEPS[2])["lr"]
        rate.fill("50")
        with rerun(first):
            rate.press("Enter")
        reply = first.locator(".st-key-lesson_reply")
        assert "went up at" in reply.inner_text()
        link = first.url
        assert "lr=50" in link and "lesson=3" in link
    finally:
        first.context.close()
    second = new_page(browser)
    try:
        second.goto(link)
        second.wait_for_selector(APP_IDLE, timeout=LOAD_TIMEOUT_MS)
        assert_on_step(second, 3)
        # A freshly loaded page can show 0 in the box for a moment on a busy machine before the value arrives.
        expect(sidebar(second).get_by_label("Learning rate", exact=True)).to_have_value(
            re.compile(r"^50(\.0*)?$"), timeout=LOAD_TIMEOUT_MS
        )
        assert "went up at" in second.locator(".st-key-lesson_reply").inner_text()
    finally:
        second.context.close()


def test_the_presenter_view_folds_the_sidebar_and_shows_the_steps_chart_large_at_1366x768(browser, app_url):
    page = new_page(browser)
    try:
        open_page(page, app_url, "?lesson=6&presenter=1")
        assert_on_step(page, 6)
        # Folded away: the panel starts near the left edge, not after the 300 px sidebar.
        panel = page.locator(PANEL).bounding_box()
        assert panel is not None and panel["x"] < 150, panel
        chart = page.locator(".st-key-lesson_chart .js-plotly-plot")
        chart.wait_for(timeout=LOAD_TIMEOUT_MS)
        box = chart.bounding_box()
        assert box is not None and box["width"] >= 0.4 * 1366 and box["height"] >= 400, box
        size = page.locator(PANEL).locator("p").first.evaluate("(e) => parseFloat(getComputedStyle(e).fontSize)")
        assert size >= 22, size  # 16 px is the plain page's
        with rerun(page):
            page.get_by_text("Presenter view", exact=True).click()
        assert "presenter=" not in page.url
        assert page.locator(".st-key-lesson_chart").count() == 0
        assert_no_exception(page)
    finally:
        page.context.close()


@pytest.mark.parametrize("query", ["lesson=1&noise=1.0", "lesson=7&presenter=1"], ids=["reply-shown", "presenter"])
def test_axe_finds_no_serious_violation_in_the_lesson_panel(page, app_url, query):
    open_settled(page, app_url, query)
    page.locator(PANEL).wait_for(timeout=LOAD_TIMEOUT_MS)
    assert_no_serious_violations(page, f"the lessons with {query}")
    assert_no_exception(page)
