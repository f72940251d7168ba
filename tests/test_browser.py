"""The dashboard in a real headless Chromium, against a real `streamlit run app.py` (fixtures in conftest.py).

AppTest (test_app.py) checks the script's wiring; these tests check what a person gets: the page in a
browser, widgets typed into, files uploaded, a table cell edited, and the charts Plotly actually drew.
"""

from __future__ import annotations

import re

import pytest
from browser_helpers import (
    BAD_CSV,
    GOOD_CSV,
    LOAD_TIMEOUT_MS,
    RERUN_TIMEOUT_MS,
    TITLES,
    alerts_text,
    assert_no_exception,
    charts,
    choose_csv_source,
    edit_first_cell,
    open_app,
    open_tab,
    open_view,
    rerun,
    trace,
    upload,
    wait_for_charts,
    wait_for_titles,
)
from playwright.sync_api import expect

from harness.browser import APP_IDLE, CHARTS

# Every test here loads the page at least once: seconds each on an idle machine.
pytestmark = [pytest.mark.browser, pytest.mark.slow]


# --- tests ---------------------------------------------------------------------------------------------------


def test_page_loads_with_its_charts_and_numbers(page, app_url):
    open_app(page, app_url)
    current = wait_for_charts(page, lambda c: True, what="the boundary and the loss")
    assert set(TITLES) <= set(current), sorted(current)
    # Accuracy per iteration is drawn only once its expander opens: a change redraws two charts, not three.
    assert "Accuracy per iteration" not in current
    with rerun(page):
        page.get_by_text("Accuracy per iteration", exact=True).click()
    accuracy = wait_for_charts(
        page,
        lambda c: "Accuracy per iteration" in c,
        what="the accuracy chart",
        titles=[*TITLES, "Accuracy per iteration"],
    )["Accuracy per iteration"]
    assert 0 <= min(trace(accuracy, "train")["y"]) <= max(trace(accuracy, "train")["y"]) <= 1
    assert page.locator(CHARTS).count() >= 3
    # The run's numbers: one line above the charts, their meaning and more digits in its tooltip.
    line = page.get_by_test_id("stMarkdown").filter(has_text="Iterations").first
    text = line.inner_text()
    assert "Loss" in text and "Accuracy" in text and "Iterations 500" in text, text
    line.get_by_test_id("stTooltipHoverTarget").hover()
    expect(page.get_by_test_id("stTooltipContent")).to_contain_text("Fitted in")
    assert page.get_by_test_id("stMetric").count() == 0
    loss = trace(current["Loss per iteration"], "train")
    assert len(loss["y"]) == 501 and loss["y"][-1] < loss["y"][0]
    assert_no_exception(page)


def test_changing_the_learning_rate_updates_the_loss_chart(page, app_url):
    open_app(page, app_url)
    before = trace(charts(page)["Loss per iteration"], "train")["y"]
    box = page.get_by_label("Learning rate", exact=True)
    # The box is drawn after the charts and shows its value a moment later (Streamlit formats it in an effect).
    expect(box).to_have_value("0.1")
    box.fill("0.03")
    with rerun(page):
        box.press("Enter")
    after = wait_for_charts(
        page,
        lambda c: trace(c["Loss per iteration"], "train")["y"] != before,
        what="the loss curve to change after the learning rate did",
    )
    curve = trace(after["Loss per iteration"], "train")["y"]
    assert len(curve) == len(before)
    # A smaller step learns more slowly: the final loss is higher than with the default 0.1.
    assert curve[-1] > before[-1]
    assert box.input_value() == "0.03"
    assert_no_exception(page)


# For each chart that appears from now on: how many times plotly finished drawing it, and how many times
# its points and lines were set again after the first drawing (a redraw from scratch sets every one).
WATCH_DRAWINGS_JS = """
(selector) => {
  const watched = window.__drawings = new Map();
  const title = (gd) => String((gd.layout && gd.layout.title && gd.layout.title.text) || '').replace(/<[^>]*>/g, '');
  const watch = (gd) => {
    if (watched.has(gd) || !gd.on) return;
    const record = {title: title(gd), drawn: 0, redrawn: 0};
    watched.set(gd, record);
    new MutationObserver((changes) => {
      if (record.drawn) record.redrawn += changes.filter((c) => c.target.matches('path.point, path.js-line')).length;
    }).observe(gd, {attributes: true, subtree: true, childList: true});
    gd.on('plotly_afterplot', () => { record.drawn += 1; });
  };
  new MutationObserver(() => document.querySelectorAll(selector).forEach(watch))
    .observe(document.body, {childList: true, subtree: true, attributes: true, attributeFilter: ['class']});
}
"""


@pytest.mark.parametrize(
    "view, titles",
    [
        ("Training", TITLES),
        # A chart that takes clicks: Streamlit also sets its click, hover and drag modes when the figure does not.
        ("Data", ("Click to add a point, click a point to remove it",)),
    ],
)
def test_a_changed_chart_is_drawn_once(page, app_url, view, titles):
    """Streamlit hands each new chart to plotly twice; the second time must change nothing on the page.

    With base64 arrays, a template, a fractional width or a mode Streamlit adds, plotly took the second call
    for a new figure and drew the whole chart again: about 80 ms for the boundary and 45 ms for the loss on
    every change, 250 ms for the Data tab's chart.
    """
    open_view(page, app_url, view, list(titles))
    page.evaluate(WATCH_DRAWINGS_JS, CHARTS)
    box = page.get_by_label("Learning rate", exact=True)
    box.fill("0.2")
    with rerun(page):
        box.press("Enter")
    page.wait_for_function(
        "(titles) => titles.every((t) => [...window.__drawings.values()].some((r) => r.title === t && r.drawn >= 2))",
        arg=list(titles),
        timeout=RERUN_TIMEOUT_MS,
    )
    page.wait_for_timeout(500)  # anything still to come from the second call
    drawings = {r["title"]: r for r in page.evaluate("() => [...window.__drawings.values()]") if r["drawn"]}
    for title in titles:
        assert drawings[title]["drawn"] >= 2, drawings  # the second call happened, so the check below means something
        assert drawings[title]["redrawn"] == 0, drawings
    assert_no_exception(page)


def test_uploading_a_csv_redraws_the_boundary(page, app_url):
    open_app(page, app_url)
    assert charts(page)["Decision boundary"]["xaxis"]["title"] == "x1"
    choose_csv_source(page)
    upload(page, "pets.csv", GOOD_CSV)
    current = wait_for_charts(
        page, lambda c: c["Decision boundary"]["xaxis"]["title"] == "height", what="the boundary to show the CSV"
    )
    boundary = current["Decision boundary"]
    assert boundary["yaxis"]["title"] == "weight"
    names = {t["name"] for t in boundary["traces"]}
    assert {"train: cat", "train: dog"} <= names
    assert page.get_by_role("combobox", name="Target column").input_value() == "species"
    assert_no_exception(page)


def test_a_bad_csv_shows_its_error_and_keeps_the_previous_data(page, app_url):
    open_app(page, app_url)
    choose_csv_source(page)
    upload(page, "pets.csv", GOOD_CSV)
    wait_for_charts(page, lambda c: c["Decision boundary"]["xaxis"]["title"] == "height", what="the good CSV")
    upload(page, "broken.csv", BAD_CSV)
    error = page.get_by_test_id("stAlert").filter(has_text="broken.csv")
    error.first.wait_for()
    text = error.first.inner_text()
    assert "line 3 has 2 fields but the header has 3" in text, text
    assert "Traceback" not in alerts_text(page)
    assert_no_exception(page)
    # The last good upload stays on screen.
    assert charts(page)["Decision boundary"]["xaxis"]["title"] == "height"


def test_editing_a_table_cell_changes_the_boundary_chart(page, app_url):
    open_app(page, app_url)
    before = charts(page)["Decision boundary"]
    assert before["xaxis"]["range"][1] < 5, before["xaxis"]
    # Only the open tab is drawn, and opening one reruns the script.
    open_tab(page, "Data")
    edit_first_cell(page, "9")
    with rerun(page):
        page.get_by_role("tab", name="Training").click()
    after = wait_for_charts(
        page,
        lambda c: (c["Decision boundary"]["xaxis"]["range"] or [0, 0])[1] > 8,
        what="the boundary's x range to reach the edited point",
    )
    points = [x for t in after["Decision boundary"]["traces"] if t["type"] == "scatter" for x in t["x"] or []]
    assert any(abs(x - 9) < 1e-6 for x in points), "no drawn point has x1 = 9"
    assert_no_exception(page)


# moons is the default data set, so the second link also names one that is not, to show the choice comes from it.
@pytest.mark.parametrize(
    "dataset, query",
    [
        ("moons", "?dataset=moons&lr=0.5&iters=300&optimizer=adam"),
        ("circles", "?dataset=circles&lr=0.5&iters=300&optimizer=adam"),
    ],
)
def test_a_url_with_parameters_opens_those_settings(page, app_url, dataset, query):
    open_app(page, app_url, query)
    current = wait_for_charts(page, lambda c: True, what="all three charts")
    assert len(trace(current["Loss per iteration"], "train")["y"]) == 301
    # A loaded page can show a widget's starting value for a moment before the one from the URL arrives
    # (seen once in CI: the box read its minimum while the charts were already drawn with 0.5), so each
    # value is waited for, and must arrive.
    expect(page.get_by_label("Learning rate", exact=True)).to_have_value("0.5", timeout=RERUN_TIMEOUT_MS)
    expect(page.get_by_role("combobox", name="Data set")).to_have_value(dataset, timeout=RERUN_TIMEOUT_MS)
    expect(page.get_by_role("combobox", name="Optimiser")).to_have_value("Adam", timeout=RERUN_TIMEOUT_MS)
    expect(page.get_by_label("Iterations", exact=True)).to_have_value("300", timeout=RERUN_TIMEOUT_MS)
    assert page.get_by_test_id("stAlert").count() == 0, alerts_text(page)
    assert_no_exception(page)


def test_a_url_asking_for_too_many_iterations_gets_the_maximum_and_a_warning(page, app_url):
    open_app(page, app_url, "?iters=1000000000000")
    warning = page.get_by_test_id("stAlert").filter(has_text="Iterations")
    warning.first.wait_for()
    text = warning.first.inner_text()
    assert "maximum" in text and "10000" in text.replace(",", ""), text
    expect(page.get_by_label("Iterations", exact=True)).to_have_value("10000")
    assert_no_exception(page)


# --- the learning views (issue: replay, landscape, sweep) ----------------------------------------------------


def test_replay_slider_and_play_redraw_the_model_at_an_iteration(page, app_url):
    current = open_view(
        page, app_url, "Replay", ["Decision boundary", "Loss per iteration", "Weights at iteration 500"]
    )
    assert trace(current["Loss per iteration"], "now")["x"] == [500]
    slider = page.get_by_test_id("stSlider").filter(has_text="Iteration").get_by_role("slider")
    slider.focus()
    with rerun(page):
        page.keyboard.press("Home")
    current = wait_for_titles(page, ["Weights at iteration 0"])
    assert trace(current["Loss per iteration"], "now")["x"] == [0]
    assert set(current["Weights at iteration 0"]["traces"][0]["y"]) == {0.0}
    # Play advances the iteration by itself, a frame every half second.
    with rerun(page):
        page.get_by_role("button", name=re.compile(r"Play$")).click()
    wait_for_titles(
        page,
        ["Decision boundary"],
        lambda c: any(t.startswith("Weights at iteration") and t != "Weights at iteration 0" for t in c),
    )
    page.get_by_role("button", name=re.compile(r"Pause$")).click()
    assert_no_exception(page)


def test_landscape_shows_the_descent_path(page, app_url):
    current = open_view(page, app_url, "Landscape", ["Loss landscape"], "&lr=2&optimizer=momentum")
    land = current["Loss landscape"]
    assert land["xaxis"]["title"] == "weight of x1" and land["yaxis"]["title"] == "weight of x2"
    path = trace(land, "gradient descent")
    assert len(path["x"]) == 501 and path["x"][0] == 0 and path["y"][0] == 0
    assert trace(land, "gradient descent: start")["x"] == [0]
    assert_no_exception(page)


def test_sweep_trains_many_rates_and_suggests_the_best(page, app_url):
    page.goto(f"{app_url}/?view=Sweep")
    page.wait_for_selector(APP_IDLE, timeout=LOAD_TIMEOUT_MS)
    with rerun(page):
        page.get_by_role("button", name="Run the sweep").click()
    current = wait_for_titles(page, ["Learning-rate sweep: final loss", "Learning-rate sweep: loss curves"])
    final = current["Learning-rate sweep: final loss"]
    rates = trace(final, "final loss")["x"]
    assert len(rates) >= 2 and rates == sorted(rates)
    assert len(trace(final, "best")["x"]) == 1
    assert "Suggested learning rate" in alerts_text(page) and "gets there fastest" in alerts_text(page)
    assert_no_exception(page)


def test_downloads_give_the_trained_model_history_and_data(page, app_url):
    import csv
    import io
    import json

    open_app(page, app_url, "?iters=300&lr=0.5")
    loss = trace(wait_for_charts(page, lambda c: True)["Loss per iteration"], "train")["y"]
    files = {}
    for label in ("Model (JSON)", "Loss history (CSV)", "Data (CSV)"):
        # The files are made on the click, and the click does not rerun the page.
        with page.expect_download(timeout=RERUN_TIMEOUT_MS) as download:
            page.get_by_role("button", name=label).click()
        files[label] = open(download.value.path(), encoding="utf-8").read()
        assert download.value.suggested_filename.startswith("cedash-")
    model = json.loads(files["Model (JSON)"])
    assert model["classes"] == [0, 1] and len(model["coef"][0]) == 2
    assert model["settings"]["max_iter"] == 300 and model["settings"]["learning_rate"] == 0.5
    history = list(csv.DictReader(io.StringIO(files["Loss history (CSV)"])))
    assert len(history) == 301
    assert float(history[-1]["train_loss"]) == pytest.approx(loss[-1], rel=1e-12)
    rows = list(csv.reader(io.StringIO(files["Data (CSV)"])))
    assert rows[0] == ["x1", "x2", "label"] and len(rows) == 201
    assert_no_exception(page)


def test_the_maths_expander_shows_this_runs_formulas_when_opened(page, app_url):
    open_app(page, app_url)
    assert page.locator(".katex").count() == 0
    with rerun(page):
        page.get_by_text("The maths of this run", exact=True).click()
    page.locator(".katex").first.wait_for(timeout=RERUN_TIMEOUT_MS)
    assert page.locator(".katex-display").count() == 2
    assert_no_exception(page)


def test_each_chart_offers_png_download_and_reset_axes(page, app_url):
    open_app(page, app_url)
    boundary = page.locator(CHARTS).filter(has_text="Decision boundary")
    boundary.hover()
    titles = boundary.locator(".modebar-btn").evaluate_all("(els) => els.map((e) => e.getAttribute('data-title'))")
    assert titles == ["Download plot as a PNG", "Reset axes"], titles
    assert page.locator(f"{CHARTS} .modebar-btn").count() == 2 * page.locator(CHARTS).count()
