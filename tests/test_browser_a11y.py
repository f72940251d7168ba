"""Accessibility in a real Chromium: axe-core on every tab, and the demo's controls from the keyboard.

axe-core is the copy bundled with axe-playwright-python (no network). A violation counts against cedash when
any of its elements sits in what the app script draws: the main block and the sidebar's user content. The
rest of the page (header and toolbar, the sidebar's collapse control, the portal that holds open
popovers) is drawn by Streamlit on every app, an empty one too; violations there are printed, not failed on.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from browser_helpers import (
    LOAD_TIMEOUT_MS,
    RERUN_TIMEOUT_MS,
    assert_no_exception,
    charts,
    open_app,
    rerun,
    trace,
    wait_for_charts,
)
from playwright.sync_api import expect

from dashboard.state import VIEWS
from harness.browser import APP_IDLE, CHARTS, VIEWPORT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SERIOUS = ("serious", "critical")
# What the app script draws: st.* calls land in the main block, `with st.sidebar` in the sidebar's user content.
APP_CONTENT = '[data-testid="stMainBlockContainer"], [data-testid="stSidebarUserContent"]'
AXE = Axe()

# For each axe node, whether its element (the last selector of its target, which may cross shadow roots or
# frames; Streamlit uses neither for these) lies inside the app's own content.
IN_APP_CONTENT_JS = """
([targets, content]) => targets.map((target) => {
  const selector = Array.isArray(target) ? target[target.length - 1] : target;
  const element = document.querySelector(selector);
  return element === null ? null : element.closest(content) !== null;
})
"""
PAGE_HEIGHT_JS = """
() => Math.max(...[...document.querySelectorAll('[data-testid="stMain"], [data-testid="stSidebarContent"]')]
                  .map((e) => e.scrollHeight))
"""


def serious_violations(page) -> tuple[list[str], list[str]]:
    """axe-core's serious and critical violations on the whole page: (cedash's own, Streamlit's chrome).

    Streamlit scrolls inside its own containers, so the window is first made as tall as the page: axe judges
    colour contrast only for what is on screen.
    """
    height = page.evaluate(PAGE_HEIGHT_JS)
    page.set_viewport_size({"width": VIEWPORT["width"], "height": max(VIEWPORT["height"], min(int(height), 10_000))})
    try:
        results = AXE.run(page).response
    finally:
        page.set_viewport_size(VIEWPORT)
    own, chrome = [], []
    for violation in results["violations"]:
        if violation["impact"] not in SERIOUS:
            continue
        inside = page.evaluate(IN_APP_CONTENT_JS, [[n["target"] for n in violation["nodes"]], APP_CONTENT])
        for node, is_own in zip(violation["nodes"], inside, strict=True):
            message = "; ".join(check["message"] for check in node["any"] + node["all"] + node["none"])
            line = f"{violation['id']} ({violation['impact']}): {node['html'][:160]} -- {message}"
            # An element axe names but the page no longer holds is counted as cedash's: never excused unseen.
            (chrome if is_own is False else own).append(line)
    return own, chrome


def assert_no_serious_violations(page, where: str) -> None:
    own, chrome = serious_violations(page)
    for line in chrome:
        print(f"Streamlit's own chrome on {where}: {line}")
    assert not own, f"{len(own)} serious or critical axe-core violations in cedash's content on {where}:\n" + "\n".join(
        own
    )


def open_settled(page, url: str, query: str) -> None:
    page.goto(f"{url}/?{query}")
    page.wait_for_selector(APP_IDLE, timeout=LOAD_TIMEOUT_MS)
    # Charts arrive with the run but plotly draws them a moment later; the tab is settled once every chart
    # container holds a drawn plot.
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
                   .every((c) => c.querySelector('.js-plotly-plot .main-svg'))""",
        timeout=LOAD_TIMEOUT_MS,
        polling=200,
    )


@pytest.mark.parametrize("view", VIEWS)
def test_axe_finds_no_serious_violation_on_each_tab(page, app_url, view):
    open_settled(page, app_url, f"view={view}")
    if view == "Sweep":
        # The sweep's results (charts, the suggestion and its button) are drawn after it runs.
        with rerun(page):
            page.get_by_role("button", name="Run the sweep").click()
        page.locator(CHARTS).first.wait_for(timeout=RERUN_TIMEOUT_MS)
    assert_no_serious_violations(page, f"the {view} tab")
    assert_no_exception(page)


# Training-tab states that draw more than the default page: hints with buttons, the divergence warning,
# Play's animated figure, and the extra charts of three classes.
@pytest.mark.parametrize(
    "query",
    ["dataset=circles&degree=1", "lr=1000", "play=true", "dataset=three%20blobs"],
    ids=["hints", "diverged", "play", "three-classes"],
)
def test_axe_finds_no_serious_violation_in_the_training_tabs_other_states(page, app_url, query):
    open_settled(page, app_url, query)
    assert_no_serious_violations(page, f"the Training tab with {query}")
    assert_no_exception(page)


# --- the keyboard ---------------------------------------------------------------------------------------------

MAX_TABS = 120


def tab_to(page, label: str) -> None:
    """Press Tab until the element labelled ``label`` has the focus; fail if the Tab key never gets there."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.getAttribute('aria-label')") == label:
            return
    pytest.fail(f"{MAX_TABS} presses of Tab never reached {label!r}")


def test_the_keyboard_reaches_and_operates_the_learning_rate_and_play(page, app_url):
    open_app(page, app_url)
    before = trace(charts(page)["Loss per iteration"], "train")["y"]
    tab_to(page, "Learning rate")
    page.keyboard.press("Control+A")
    page.keyboard.type("0.5")
    with rerun(page):
        page.keyboard.press("Enter")
    expect(page.locator(".st-key-lr input[type=number]")).to_have_value("0.5")
    wait_for_charts(page, lambda c: trace(c["Loss per iteration"], "train")["y"] != before, what="the new loss curve")

    tab_to(page, "Play: watch it learn")
    with rerun(page):
        page.keyboard.press("Space")
    expect(page.locator(".st-key-play input[role=switch]")).to_be_checked()
    page.locator(".st-key-play_chart .js-plotly-plot").wait_for(timeout=RERUN_TIMEOUT_MS)
    assert_no_exception(page)
