"""The ten-minute demo in a real Chromium: the first screen, Play, links that keep every setting, the rate's
range, the "too big" button and editing the data on the picture (issue 13).

Positions are read from the page's own layout (bounding boxes), charts from what Plotly holds, widget values
from the DOM by the ``st-key-<key>`` class Streamlit puts on each keyed element.
"""

from __future__ import annotations

import json
import re
import urllib.parse

import numpy as np
import pytest
from browser_helpers import (
    LOAD_TIMEOUT_MS,
    RERUN_TIMEOUT_MS,
    alert_with,
    assert_no_exception,
    charts,
    edit_first_cell,
    new_page,
    open_app,
    rerun,
    sidebar,
    trace,
    wait_for_charts,
    wait_until,
)
from playwright.sync_api import expect

from dashboard.settings import OPTIMIZER_LABELS, SETTINGS, url_text
from harness.browser import APP_IDLE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}
LOSS = "Loss per iteration"


def chart_of(key: str) -> str:
    return f".st-key-{key} .js-plotly-plot"


def box_of(page, key: str) -> dict:
    box = page.locator(f".st-key-{key}").bounding_box()
    assert box is not None, f"the element with key {key!r} is not on the page"
    return box


def wait_for_main_charts(page) -> None:
    for key in ("boundary_chart", "loss_chart"):
        page.locator(chart_of(key)).wait_for(timeout=LOAD_TIMEOUT_MS)


# --- the first screen ------------------------------------------------------------------------------------------


def test_boundary_and_loss_are_whole_on_the_first_screen_at_1366x768(page, app_url):
    open_app(page, app_url)
    wait_for_main_charts(page)
    size = page.viewport_size
    boundary, loss = box_of(page, "boundary_chart"), box_of(page, "loss_chart")
    for name, box in (("boundary", boundary), ("loss", loss)):
        assert box["y"] >= 0 and box["y"] + box["height"] <= size["height"], (name, box, size)
        assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"], (name, box, size)
    # Side by side, the boundary on the left.
    assert boundary["x"] + boundary["width"] <= loss["x"], (boundary, loss)
    # The rate is reachable on the same screen: its box is in the sidebar's first viewport.
    rate = sidebar(page).get_by_label("Learning rate", exact=True).bounding_box()
    assert rate is not None and rate["y"] + rate["height"] <= size["height"], rate
    assert_no_exception(page)


def test_a_hints_button_is_beside_play_on_the_first_screen_and_the_charts_stay_whole(page, app_url):
    # Circles at feature degree 1: no straight line separates them, and the hint says so.
    open_app(page, app_url, "?dataset=circles&lr=1")
    wait_for_main_charts(page)
    size = page.viewport_size
    button = page.locator(".st-key-hint_now_straight_line").get_by_role("button", name="Raise the feature degree to 2")
    placed, play, boundary = button.bounding_box(), box_of(page, "play"), box_of(page, "boundary_chart")
    # In the row of the Play switch, above the charts, and both charts still whole on the screen.
    assert abs((placed["y"] + placed["height"] / 2) - (play["y"] + play["height"] / 2)) < 8, (placed, play)
    assert placed["x"] > play["x"] and placed["y"] + placed["height"] <= boundary["y"], (placed, boundary)
    for key in ("boundary_chart", "loss_chart"):
        box = box_of(page, key)
        assert box["y"] + box["height"] <= size["height"], (key, box, size)
    with rerun(page):
        button.click()
    expect(page).to_have_url(re.compile(r"[?&]degree=2(&|$)"))
    expect(page.locator(".st-key-hint_now_straight_line")).to_have_count(0)
    assert_no_exception(page)


def test_the_chart_that_loads_plotly_early_is_drawn_but_takes_no_room_and_cannot_be_reached(page, app_url):
    open_app(page, app_url)
    hidden = page.locator(".st-key-chart_code")
    hidden.locator(".js-plotly-plot .main-svg").first.wait_for(state="attached", timeout=LOAD_TIMEOUT_MS)
    style = hidden.evaluate("(el) => { const s = getComputedStyle(el); return [s.visibility, s.position]; }")
    assert style == ["hidden", "absolute"], style
    assert hidden.bounding_box()["height"] == 0
    # The title is the first thing on the page, where it was before the hidden chart existed.
    title = page.get_by_test_id("stMain").get_by_test_id("stHeading").first.bounding_box()
    assert title is not None and title["y"] < 20, title  # 8 px; the gap after an in-flow block would add 16
    # Hidden content is out of the keyboard's reach: its toolbar buttons cannot take the focus.
    reachable = hidden.evaluate(
        "(el) => [...el.querySelectorAll('a, button')].filter((b) => { b.focus(); "
        "return document.activeElement === b; }).length"
    )
    assert reachable == 0
    assert_no_exception(page)


def test_on_a_phone_the_boundary_comes_first_and_early(browser, app_url):
    page = new_page(browser)
    try:
        page.set_viewport_size(PHONE)
        open_app(page, app_url)
        wait_for_main_charts(page)
        boundary, loss = box_of(page, "boundary_chart"), box_of(page, "loss_chart")
        # Stacked: the boundary above the loss, and starting within the first 1.3 screens.
        assert boundary["y"] + boundary["height"] <= loss["y"] + 1, (boundary, loss)
        assert boundary["y"] < 1.3 * PHONE["height"], boundary
        assert boundary["x"] >= 0 and boundary["x"] + boundary["width"] <= PHONE["width"], boundary
        assert_no_exception(page)
    finally:
        page.context.close()


def test_on_a_phone_the_open_sidebar_leaves_the_result_of_a_change_in_view(browser, app_url):
    page = new_page(browser)
    try:
        page.set_viewport_size(PHONE)
        open_app(page, app_url)
        wait_for_main_charts(page)
        summary = page.get_by_test_id("stMain").get_by_test_id("stMarkdownContainer").filter(has_text="Iterations")
        before = summary.first.inner_text()
        page.get_by_test_id("stExpandSidebarButton").click()
        rate = sidebar(page).get_by_label("Learning rate", exact=True)
        with rerun(page):
            rate.fill("3")
            rate.press("Enter")
        # The sidebar is open as a sheet over the lower half, and the run's summary, which the change just
        # rewrote, is above it and on screen.
        assert summary.first.inner_text() != before

        def placed():
            sheet, line = sidebar(page).bounding_box(), summary.first.bounding_box()
            if sheet is None or line is None:
                return None
            # The result of the change is what must stay in view. Where the rate's box ends up after the rerun
            # is not asserted: in the full suite it settled at y=362, above the sheet's top at 422.
            return 0 <= line["y"] and line["y"] + line["height"] <= sheet["y"] < PHONE["height"]

        # The sheet slides into place (Streamlit animates the sidebar), so its layout is read once it settles.
        wait_until(
            placed,
            10,
            "the summary above the sheet",
            lambda: f": {sidebar(page).bounding_box()}, {summary.first.bounding_box()}, {rate.bounding_box()}",
        )
        assert_no_exception(page)
    finally:
        page.context.close()


# --- Play -------------------------------------------------------------------------------------------------------

# Records every frame the animation shows (its name is the iteration) and the end of the animation,
# with the loss trace's length at each frame, from plotly's own events.
WATCH_ANIMATION_JS = """
(selector) => {
  const gd = document.querySelector(selector);
  const length = (v) => (v && typeof v === 'object' && typeof v.bdata === 'string')
      ? atob(v.bdata).length / 4 : (v ? v.length : 0);
  window.__play = {frames: [], done: false};
  gd.on('plotly_animatingframe', (e) => {
    const frame = {name: e.name, t: performance.now(), active: null};
    window.__play.frames.push(frame);
    // The slider moves in its own handler of the same event: read it once every handler has run.
    queueMicrotask(() => { frame.active = gd._fullLayout.sliders[0].active; });
  });
  gd.on('plotly_animated', () => {
    window.__play.done = true;
    window.__play.lengths = gd.data.map((t) => length(t.x));
  });
}
"""

PLAY_LOSS_JS = """
(selector) => {
  const gd = document.querySelector(selector);
  const decode = (v) => (v && typeof v === 'object' && typeof v.bdata === 'string')
      ? Array.from(new Float32Array(Uint8Array.from(atob(v.bdata), (c) => c.charCodeAt(0)).buffer), Number)
      : Array.from(v, Number);
  const loss = gd.data.find((t) => t.name === 'training loss');
  return {x: decode(loss.x), y: decode(loss.y), active: gd._fullLayout.sliders[0].active,
          steps: gd._fullLayout.sliders[0].steps.length};
}
"""


def switch(page, key: str):
    return page.locator(f".st-key-{key} input[role=switch]")


def turn_on_play(page) -> None:
    with rerun(page):
        page.locator(".st-key-play label").first.click()
    page.locator(chart_of("play_chart")).wait_for(timeout=RERUN_TIMEOUT_MS)
    expect(switch(page, "play")).to_be_checked()


# The boxes of Play's controls and of the axis titles near them, in the page's pixels.
PLAY_CONTROL_BOXES_JS = """
(selector) => {
  const gd = document.querySelector(selector);
  const box = (el) => { if (!el) return null; const r = el.getBoundingClientRect();
                        return r.width && r.height ? [r.left, r.top, r.right, r.bottom] : null; };
  return {
    buttons: box(gd.querySelector('.updatemenu-container')),
    slider: box(gd.querySelector('.slider-container')),
    x1_title: box(gd.querySelector('.g-xtitle')),
    iteration_title: box(gd.querySelector('.g-x2title')),
  };
}
"""


@pytest.mark.parametrize("size", ["wide", "phone"])
def test_plays_controls_overlap_neither_each_other_nor_the_axis_titles(browser, app_url, size):
    page = new_page(browser)
    try:
        if size == "phone":
            page.set_viewport_size(PHONE)
        page.goto(f"{app_url}/?play=true")
        page.wait_for_selector(APP_IDLE, timeout=LOAD_TIMEOUT_MS)
        selector = chart_of("play_chart_phone" if size == "phone" else "play_chart")
        page.locator(selector).wait_for(timeout=LOAD_TIMEOUT_MS)
        boxes = page.evaluate(PLAY_CONTROL_BOXES_JS, selector)
        assert all(boxes.values()), boxes

        def overlap(a, b) -> bool:
            return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]

        names = list(boxes)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                assert not overlap(boxes[a], boxes[b]), f"{a} overlaps {b}: {boxes}"
        assert_no_exception(page)
    finally:
        page.context.close()


def test_play_advances_frames_and_ends_on_the_trained_loss_curve(page, app_url):
    open_app(page, app_url)
    trained = trace(charts(page)[LOSS], "train")["y"]
    turn_on_play(page)
    assert page.locator(chart_of("boundary_chart")).count() == 0, "Play on should replace the two charts"
    assert "play=true" in page.url
    selector = chart_of("play_chart")
    opening = page.evaluate(PLAY_LOSS_JS, selector)
    # The figure opens on its last frame: the trained model.
    assert opening["active"] == opening["steps"] - 1
    page.evaluate(WATCH_ANIMATION_JS, selector)
    page.locator(f"{selector} .updatemenu-button").filter(has_text="Play").click()
    page.wait_for_function("() => window.__play.done", timeout=RERUN_TIMEOUT_MS, polling=100)
    played = page.evaluate("() => window.__play")
    names = [int(f["name"]) for f in played["frames"]]
    actives = [f["active"] for f in played["frames"]]
    times = [f["t"] for f in played["frames"]]
    # Every frame shown once, in order of iteration, from the start to the end of training, and the slider
    # following them: the animation really advanced.
    assert len(names) == opening["steps"], (len(names), opening["steps"])
    assert names[0] == 0 and names[-1] == len(trained) - 1, names
    assert names == sorted(set(names)), names
    assert actives == sorted(actives) and actives[0] < actives[-1], actives
    assert times[-1] > times[0]
    final = page.evaluate(PLAY_LOSS_JS, selector)
    assert final["active"] == final["steps"] - 1
    # The last frame's loss trace is the whole trained curve (sent as float32).
    assert final["x"] == list(range(len(trained)))
    assert final["y"] == pytest.approx(trained, rel=1e-6)
    assert_no_exception(page)


# --- links keep every setting -----------------------------------------------------------------------------------

# A value for every setting that differs from cedash's default; the data set is the list's first option and
# two switches go off, the values a URL binding that leaves out widget defaults would lose.
CHANGED = {
    "n": "150",
    "noise": "0.35",
    "seed": "7",
    "lr": "0.5",
    "iters": "300",
    "batch": "16",
    "l2": "0.01",
    "degree": 2,
    "test": 0.3,
    "optimizer": "adam",
    "intercept": False,
    "standardize": False,
    "logy": True,
    "play": True,
    "dataset": SETTINGS["dataset"].choices[0],
}
VIEW = "Data"


def type_number(page, key: str, value: str) -> None:
    box = page.locator(f".st-key-{key} input[type=number]")
    box.fill(value)
    with rerun(page):
        box.press("Enter")


def slide_to(page, key: str, value: float) -> None:
    """Move a slider with the arrow keys (a drag lands between steps) until it shows ``value``."""
    handle = slider(page, key)
    for _ in range(20):
        now = float(handle.input_value())
        if abs(now - value) < 1e-9:
            return
        handle.focus()
        with rerun(page):
            handle.press("ArrowRight" if now < value else "ArrowLeft")
    pytest.fail(f"the {key} slider never reached {value}")


def slider(page, key: str):
    return page.locator(f".st-key-{key}").get_by_role("slider")


def select(page, key: str, option: str) -> None:
    page.locator(f".st-key-{key} input[role=combobox]").click()
    with rerun(page):
        page.get_by_role("option", name=option, exact=True).click()


def set_switch(page, key: str, on: bool) -> None:
    if switch(page, key).is_checked() != on:
        with rerun(page):
            page.locator(f".st-key-{key} label").first.click()


def shown_settings(page) -> dict:
    """What each widget shows, read from the DOM by its key."""
    shown = {}
    for key in ("n", "noise", "seed", "lr", "iters", "batch", "l2"):
        shown[key] = page.locator(f".st-key-{key} input[type=number]").input_value()
    for key in ("degree", "test"):
        shown[key] = float(slider(page, key).input_value())
    for key in ("optimizer", "dataset"):
        shown[key] = page.locator(f".st-key-{key} input[role=combobox]").input_value()
    for key in ("intercept", "standardize", "logy", "play"):
        shown[key] = switch(page, key).is_checked()
    return shown


def open_tab_by_key(page, name: str) -> None:
    tab = page.locator(".st-key-view").get_by_role("tab", name=name, exact=True)
    if tab.get_attribute("aria-selected") != "true":
        with rerun(page):
            tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")


def expected_shown() -> dict:
    shown = {k: float(v) if k in ("degree", "test") else v for k, v in CHANGED.items()}
    return {**shown, "optimizer": OPTIMIZER_LABELS[CHANGED["optimizer"]]}


def copy_link(page, clipboard: str = "navigator.clipboard") -> str:
    """Click "Copy link" and return what it put on the clipboard (read through ``clipboard``)."""
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.evaluate(f"() => {clipboard}.writeText('nothing copied yet')")
    button = page.get_by_role("button", name="Copy link")
    button.click()
    expect(page.get_by_role("button", name="Link copied")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("with every setting")
    return page.evaluate(f"() => {clipboard}.readText()")


def test_copy_link_copies_the_address_where_the_clipboard_api_is_missing(page, app_url):
    # A classroom server on plain http is not a secure page, and browsers give it no clipboard API: the button
    # falls back to the copy command. The real clipboard is kept aside here to read what landed on it.
    page.add_init_script(
        "window.__clipboard = navigator.clipboard;"
        "Object.defineProperty(Navigator.prototype, 'clipboard', {get: () => undefined});"
    )
    open_app(page, app_url, "?lr=0.5&dataset=circles")
    assert page.evaluate("() => navigator.clipboard") is None
    link = copy_link(page, clipboard="window.__clipboard")
    assert link == page.url
    query = urllib.parse.parse_qs(urllib.parse.urlparse(link).query)
    assert query.get("lr") == ["0.5"] and query.get("dataset") == ["circles"], link
    assert_no_exception(page)


def test_every_setting_survives_a_link_opened_in_a_fresh_browser(page, browser, app_url):
    open_app(page, app_url)
    for key in ("n", "noise", "seed"):
        type_number(page, key, CHANGED[key])
    # The first data set in the list has a fixed size and noise: its boxes are greyed out, so it comes last.
    select(page, "dataset", CHANGED["dataset"])
    slide_to(page, "degree", CHANGED["degree"])
    for key in ("lr", "iters", "batch", "l2"):
        type_number(page, key, CHANGED[key])
    select(page, "optimizer", OPTIMIZER_LABELS[CHANGED["optimizer"]])
    for key in ("intercept", "standardize", "logy", "play"):
        set_switch(page, key, CHANGED[key])
    slide_to(page, "test", CHANGED["test"])
    before = shown_settings(page)
    assert before == expected_shown()
    open_tab_by_key(page, VIEW)
    # The link a teacher shares: the one the "Copy link" button puts on the clipboard.
    link = copy_link(page)
    assert link == page.url
    query = urllib.parse.parse_qs(urllib.parse.urlparse(link).query)
    assert query.get("view") == [VIEW], link

    fresh = new_page(browser)
    try:
        fresh.goto(link)
        fresh.wait_for_selector(APP_IDLE, timeout=LOAD_TIMEOUT_MS)
        tab = fresh.locator(".st-key-view").get_by_role("tab", name=VIEW, exact=True)
        expect(tab).to_have_attribute("aria-selected", "true")
        # The switches under the charts (play, log scale) are on the Training tab.
        open_tab_by_key(fresh, "Training")
        fresh.locator(chart_of("play_chart")).wait_for(timeout=RERUN_TIMEOUT_MS)
        assert shown_settings(fresh) == before
        assert fresh.get_by_test_id("stAlert").count() == 0, fresh.get_by_test_id("stAlert").all_inner_texts()
        assert_no_exception(fresh)
    finally:
        fresh.context.close()


# Every keyed setting's shown state (a number box's text, a slider's position, a switch), from the page's first
# frame until it is idle: one entry per change, per key.
RECORD_SETTINGS_JS = """
(keys) => {
  window.__shown = {};
  const read = (box) => {
    const number = box.querySelector('input[type=number]'), slider = box.querySelector('input[type=range]');
    const choice = box.querySelector('input[role=combobox]'), toggle = box.querySelector('input[type=checkbox]');
    if (number) return number.value;
    if (slider) return slider.value;
    if (choice) return choice.value;
    if (toggle) return String(toggle.checked);
    return null;
  };
  const tick = () => {
    keys.forEach((key) => {
      const box = document.querySelector('.st-key-' + key);
      const value = box ? read(box) : null;
      const seen = (window.__shown[key] = window.__shown[key] || []);
      if (value !== null && seen[seen.length - 1] !== value) seen.push(value);
    });
    requestAnimationFrame(tick);
  };
  tick();
}
"""


def test_a_link_shows_each_setting_at_its_value_from_the_first_frame(browser, app_url):
    """A widget is drawn with the session's value, not first with its built-in default ("Learning rate 0",
    "Iterations 1") and the value one render later."""
    linked = {k: v for k, v in CHANGED.items() if k not in ("play", "dataset")}
    query = urllib.parse.urlencode({k: url_text(v) for k, v in linked.items()})
    page = new_page(browser)
    try:
        keys = [*linked, "lr_scale"]
        page.context.add_init_script(
            f"document.addEventListener('DOMContentLoaded', () => ({RECORD_SETTINGS_JS})({json.dumps(keys)}))"
        )
        open_app(page, app_url, "?" + query)
        page.wait_for_timeout(500)  # a few more frames, for a value that would change after the run
        shown = page.evaluate("window.__shown")
        assert set(shown) == set(keys), shown
        flashed = {key: values for key, values in shown.items() if len(values) != 1}
        assert not flashed, f"shown first with another value: {flashed}"
        assert shown["lr"] == ["0.5"] and shown["iters"] == ["300"] and shown["intercept"] == ["false"], shown
        assert_no_exception(page)
    finally:
        page.context.close()


# --- the learning rate: its range and the "too big" button ------------------------------------------------------


def test_a_typed_rate_above_the_range_is_clamped_with_a_visible_message(page, app_url):
    open_app(page, app_url)
    type_number(page, "lr", "5000")
    warning = alert_with(page, "outside the range")
    assert "5000" in warning.inner_text() and "1000" in warning.inner_text()
    assert warning.is_visible()
    expect(page.locator(".st-key-lr input[type=number]")).to_have_value("1000")
    # The address holds the value in use, not the one typed.
    query = urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)
    assert query["lr"] == ["1000.0"], page.url
    assert_no_exception(page)


def test_iterations_typed_above_the_range_are_clamped_with_a_visible_message(page, app_url):
    """Every number box, not only the rate's: Streamlit's own refusal was a red outline, its reason in a hover."""
    open_app(page, app_url)
    type_number(page, "iters", "100000")
    warning = alert_with(page, "Iterations 100000 is outside the range")
    assert warning.is_visible() and "10000" in warning.inner_text()
    expect(page.locator(".st-key-iters input[type=number]")).to_have_value("10000")
    assert trace(charts(page)[LOSS], "train")["x"][-1] == 10_000
    assert_no_exception(page)


def test_the_too_big_button_picks_a_rate_at_which_the_loss_climbs(page, app_url):
    open_app(page, app_url)
    before = trace(charts(page)[LOSS], "train")["y"]
    assert max(before[1:]) < before[0], "the default run should go downhill"
    # A demo's move, beside Play and above the charts whose change it shows.
    button = page.locator(".st-key-play_row .st-key-too_big").get_by_role("button")
    assert button.bounding_box()["y"] + button.bounding_box()["height"] <= box_of(page, "boundary_chart")["y"]
    with rerun(page):
        button.click()
    rate = page.locator(".st-key-lr input[type=number]")
    expect(rate).not_to_have_value("0.1", timeout=RERUN_TIMEOUT_MS)
    assert float(rate.input_value()) > 0.1
    after = wait_for_charts(
        page, lambda c: trace(c[LOSS], "train")["y"] != before, what="the loss curve of the too-big rate"
    )
    curve = [y for y in trace(after[LOSS], "train")["y"] if y is not None]
    # Climbs above where it started (a diverged run's curve may end early, so only the drawn part is read).
    assert max(curve[1:]) > curve[0], curve[:10]
    # What the button did is said above the charts, and both charts are still whole on the first screen.
    expect(page.get_by_text(f"Learning rate {rate.input_value()} is the smallest")).to_be_visible()
    for key in ("boundary_chart", "loss_chart"):
        box = box_of(page, key)
        assert box["y"] + box["height"] <= page.viewport_size["height"], (key, box)
    assert_no_exception(page)


# --- editing the data on the picture ----------------------------------------------------------------------------

# Where each point of the Data tab's chart is on the page, in pixels, by trace and row number.
DATA_POINTS_JS = """
(selector) => {
  const TYPES = {f8: Float64Array, f4: Float32Array, i4: Int32Array, u4: Uint32Array, i2: Int16Array,
                 u2: Uint16Array, i1: Int8Array, u1: Uint8Array, i8: BigInt64Array, u8: BigUint64Array};
  const gd = document.querySelector(selector);
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, box = gd.getBoundingClientRect();
  const decode = (v) => (v && typeof v === 'object' && typeof v.bdata === 'string')
      ? Array.from(new TYPES[v.dtype.replace(/^[<>|=]/, '')](
          Uint8Array.from(atob(v.bdata), (c) => c.charCodeAt(0)).buffer), Number)
      : Array.from(v || [], Number);
  return gd._fullData.filter((t) => t.type === 'scatter' && t.mode === 'markers').map((t) => {
    const x = decode(t.x), y = decode(t.y), rows = decode(t.customdata);
    return {name: t.name, rows, x, y,
            px: x.map((v) => box.left + xa._offset + xa.l2p(v)), py: y.map((v) => box.top + ya._offset + ya.l2p(v))};
  });
}
"""


def data_points(page) -> tuple[list, list]:
    """(click targets, data points), each point as (row, page x, page y, data x, data y)."""
    traces = page.evaluate(DATA_POINTS_JS, chart_of("data_click"))
    targets, points = [], []
    for t in traces:
        where = targets if t["name"] == "click targets" else points
        where.extend(zip(t["rows"], t["px"], t["py"], t["x"], t["y"], strict=True))
    return targets, points


def table_rows(page) -> int:
    """Rows in the data editor, from the grid's own row count (header and the add-row line left out)."""
    count = (
        page.get_by_test_id("stMain")
        .get_by_test_id("stDataFrame")
        .first.locator("table[aria-rowcount]")
        .get_attribute("aria-rowcount")
    )
    return int(count) - 2


def empty_spot(targets: list, points: list) -> tuple:
    """The click target farthest from every data point, off the plot's edges, where a click can only add."""
    xs, ys = [t[1] for t in targets], [t[2] for t in targets]
    inside = [t for t in targets if min(xs) + 10 < t[1] < max(xs) - 10 and min(ys) + 10 < t[2] < max(ys) - 10]
    return max(inside, key=lambda t: min((t[1] - p[1]) ** 2 + (t[2] - p[2]) ** 2 for p in points))


def click_chart(page, x: float, y: float, rows_after: int) -> None:
    with rerun(page):
        page.mouse.click(x, y)
    page.wait_for_selector(APP_IDLE, timeout=RERUN_TIMEOUT_MS)
    wait_until(
        lambda: table_rows(page) == rows_after and len(data_points(page)[1]) == rows_after,
        20,
        f"the table and the chart to hold {rows_after} points",
    )


def test_click_to_add_a_point_click_it_to_remove_and_undo(page, app_url):
    page.goto(f"{app_url}/?view=Data")
    page.wait_for_selector(APP_IDLE, timeout=LOAD_TIMEOUT_MS)
    page.locator(chart_of("data_click")).wait_for(timeout=LOAD_TIMEOUT_MS)
    page.locator(chart_of("data_click")).scroll_into_view_if_needed()
    rows = table_rows(page)
    with rerun(page):
        page.locator(".st-key-add_class").get_by_role("radio").nth(1).click()
    targets, points = data_points(page)
    assert len(points) == rows
    _, x, y, data_x, data_y = empty_spot(targets, points)
    click_chart(page, x, y, rows + 1)
    _, points = data_points(page)
    added = [p for p in points if p[0] == rows]
    assert len(added) == 1, "the new point should be the table's last row"
    # Where the click was, in the data's units (the axes may widen to take the new point in): on the target
    # under the cursor or, where the invisible targets overlap, its neighbour.
    _, ax, ay, new_x, new_y = added[0]
    cell_x, cell_y = (np.diff(np.unique(np.round([t[i] for t in targets], 6)))[0] for i in (3, 4))
    assert abs(new_x - data_x) <= cell_x * 1.01 and abs(new_y - data_y) <= cell_y * 1.01, (new_x, new_y, data_x, data_y)
    # Clicking the new point removes it.
    click_chart(page, ax, ay, rows)
    assert all(p[0] < rows for p in data_points(page)[1])
    # Undo brings it back.
    with rerun(page):
        page.locator(".st-key-undo_edit").get_by_role("button", name="Undo").click()
    wait_until(lambda: table_rows(page) == rows + 1, 20, "undo to bring the point back")
    assert any(p[0] == rows for p in data_points(page)[1])
    # A table edit after the point is the next step back: Undo takes back the edit and keeps the point.
    first_x = cell_text(page)
    edit_first_cell(page, "9")
    with rerun(page):
        page.locator(".st-key-undo_edit").get_by_role("button", name="Undo").click()
    wait_until(lambda: cell_text(page) == first_x, 20, f"undo to put back the first cell's {first_x}")
    assert table_rows(page) == rows + 1 and any(p[0] == rows for p in data_points(page)[1])
    assert_no_exception(page)


def cell_text(page) -> str:
    """The Data tab grid's first row, first column, as shown (glide's accessible table mirrors the canvas)."""
    return page.get_by_test_id("stMain").get_by_test_id("glide-cell-1-0").first.text_content()
