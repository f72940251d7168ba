"""Hostile input in a real Chromium: markup that must stay text, two users at once, nothing lost, and faults.

Anyone in a class can upload anything or send anyone a link. Here the browser is what could go wrong (HTML,
dialogs, two sessions side by side); the reader and the script alone are tested in test_csv_reader_hostile.py
and test_app_hostile.py. The fault test starts a second server of its own with a fault injected by
``tests/fault_injection/sitecustomize.py``.
"""

from __future__ import annotations

import contextlib
import csv
import html
import io
import re
import urllib.parse
from pathlib import Path

import pytest
from browser_helpers import (
    BAD_CSV,
    BOUNDARY,
    CHARTS_JS,
    GOOD_CSV,
    RERUN_TIMEOUT_MS,
    TITLES,
    alert_with,
    assert_no_exception,
    boundary_points_x,
    chart_texts,
    charts,
    choose_csv_source,
    choose_option,
    data_table,
    edit_first_cell,
    flip_toggle,
    new_page,
    open_app,
    open_tab,
    rerun,
    set_number,
    sidebar,
    upload,
    wait_for_charts,
    wait_until,
)
from playwright.sync_api import expect

from dashboard.settings import SETTINGS
from harness.browser import CHARTS
from harness.server import TEST_ARTIFACTS, ServerError, python_path_with, streamlit_server

# Every test here loads the page at least once: seconds each on an idle machine.
pytestmark = [pytest.mark.browser, pytest.mark.slow]

# --- payloads -------------------------------------------------------------------------------------------------

# Each payload that could run sets window.__pwned or opens a dialog; the tests look for both.
NAME_SCRIPT = "<script>window.__pwned=1;alert(1)</script>"
NAME_IMG = '<img src=x onerror="window.__pwned=2;alert(2)">'
TARGET_SVG = "<svg onload=alert(4)>"
LABEL_IMG = "<img src=x onerror=alert(5)>"
LABEL_SCRIPT = "<script>alert(6)</script>"
# No double quotes in file names: Chromium sends them as %22 in the upload, so the server never sees them.
FILE_IMG = "<img src=x onerror=window.__pwned=3>.csv"
FILE_SCRIPT = "<script>alert(7)</script>.csv"

# Markup that is not HTML but still renders: Plotly's own tags (<a>, <b>) and Markdown in Streamlit's texts.
EVIL = "https://example.com/"
NAME_LINK = f'<a href="{EVIL}x">x</a>'
NAME_BOLD = "<b>w</b>"
LABEL_MD_LINK = f"[y]({EVIL}y)"
LABEL_MD_BOLD = "**strong**"
FILE_MD = f"**b**[l]({EVIL}l).csv"
URL_MD = f"[d]({EVIL}d)"


def table_csv(header: list[str], labels: tuple[str, str], rows: int = 12) -> bytes:
    """Two well-separated classes under ``header``; csv quotes whatever the payloads need."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for i in range(rows):
        first = i < rows // 2
        writer.writerow([f"{i * 0.1:.1f}" if first else f"{3 + i * 0.1:.1f}", f"{1 - i * 0.05:.2f}", labels[not first]])
    return buf.getvalue().encode()


XSS_CSV = table_csv([NAME_SCRIPT, NAME_IMG, TARGET_SVG], (LABEL_IMG, LABEL_SCRIPT))
MARKUP_CSV = table_csv([NAME_LINK, NAME_BOLD, "label"], (LABEL_MD_LINK, LABEL_MD_BOLD))


# --- browser helpers ------------------------------------------------------------------------------------------


def watch_for_script(page) -> list[str]:
    """Record every dialog the page opens (and dismiss it, so a payload cannot block the page)."""
    dialogs: list[str] = []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return dialogs


def assert_nothing_ran(page, dialogs: list[str]) -> None:
    assert dialogs == [], f"a payload opened dialogs: {dialogs}"
    assert page.evaluate("() => window.__pwned === undefined"), "a payload set window.__pwned"
    # Had any payload become an element, these would find it even if its script were blocked.
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("svg[onload]").count() == 0
    scripts = page.evaluate(
        "() => [...document.scripts].map((s) => s.textContent).filter((t) => /alert|pwned/.test(t))"
    )
    assert scripts == []


def body_text(page) -> str:
    return page.locator("body").inner_text()


def wait_for_chart_texts(page, title: str, selector: str, wanted: list[str], timeout_ms: int = 20_000) -> None:
    page.wait_for_function(
        """([charts, title, selector, wanted]) => {
            const gd = [...document.querySelectorAll(charts)].find(
                (g) => String((g.layout.title && g.layout.title.text) || '').replace(/<[^>]*>/g, '') === title);
            if (!gd) return false;
            const seen = [...gd.querySelectorAll(selector)].map((e) => e.textContent);
            return wanted.every((w) => seen.some((s) => s.includes(w)));
        }""",
        arg=[CHARTS, title, selector, wanted],
        timeout=timeout_ms,
        polling=100,
    )


def links_to_evil(page, within: str = "body") -> list[str]:
    """Every link to the payloads' site inside ``within``, as 'href (link text)'."""
    return page.evaluate(
        """([within, evil]) => [...document.querySelectorAll(within + ' a')]
            .map((a) => [a.getAttribute('href') || a.getAttribute('xlink:href') || '', a.textContent])
            .filter(([href]) => href.startsWith(evil)).map(([href, text]) => `${href} (${text})`)""",
        [within, EVIL],
    )


# --- user strings are text, never HTML ------------------------------------------------------------------------


def test_html_in_column_names_and_labels_shows_as_text(page, app_url):
    dialogs = watch_for_script(page)
    open_app(page, app_url)
    choose_csv_source(page)
    upload(page, "payloads.csv", XSS_CSV)
    # The figure carries user text entity-escaped (Plotly reads tags in text); what it draws is checked below.
    wait_for_charts(
        page,
        lambda c: html.unescape(c[BOUNDARY]["xaxis"]["title"] or "") == NAME_SCRIPT,
        what="the boundary to show the CSV",
    )
    # What Plotly drew, not only what it was given: the axis titles and legend entries as text in the SVG.
    wait_for_chart_texts(page, BOUNDARY, ".legendtext", [f"train: {LABEL_IMG}", f"train: {LABEL_SCRIPT}"])
    assert chart_texts(page, BOUNDARY, ".g-xtitle") == [NAME_SCRIPT]
    assert chart_texts(page, BOUNDARY, ".g-ytitle") == [NAME_IMG]
    text = body_text(page)
    for payload in (NAME_SCRIPT, NAME_IMG, LABEL_IMG, LABEL_SCRIPT):
        assert payload in text, f"{payload!r} is not on the page as text"
    assert page.get_by_role("combobox", name="Target column").input_value() == TARGET_SVG

    # The grid shares the Data tab with the clickable boundary and draws only the columns in view: give it
    # room for all three of these long names.
    page.set_viewport_size({"width": 2400, "height": 1000})
    open_tab(page, "Data")
    headers, cells = data_table(page)
    assert headers == [NAME_SCRIPT, NAME_IMG, TARGET_SVG]
    assert LABEL_IMG in cells and LABEL_SCRIPT in cells
    split = page.get_by_test_id("stTable").inner_text()
    assert LABEL_IMG in split and LABEL_SCRIPT in split, split
    assert_no_exception(page)
    assert_nothing_ran(page, dialogs)


def test_html_in_file_names_shows_as_text_in_notices_and_run_names(page, app_url):
    dialogs = watch_for_script(page)
    open_app(page, app_url)
    choose_csv_source(page)
    upload(page, FILE_IMG, GOOD_CSV)
    wait_for_charts(page, lambda c: c[BOUNDARY]["xaxis"]["title"] == "height", what="the good CSV")
    # A pinned run is named after its file, in the legend of the comparison chart.
    open_tab(page, "Compare")
    with rerun(page):
        page.get_by_role("button", name=re.compile("Pin this run")).click()
    run_name = f"{FILE_IMG}: gradient descent, lr 0.1, 500 it"
    # One run has no legend; its name titles its boundary chart and heads a row of the comparison table.
    page.wait_for_function(
        "([sel, name]) => [...document.querySelectorAll(sel + ' .gtitle')].some((t) => t.textContent === name)",
        arg=[CHARTS, run_name],
        timeout=RERUN_TIMEOUT_MS,
    )
    _, cells = data_table(page)
    assert run_name in cells, cells

    upload(page, FILE_SCRIPT, BAD_CSV)
    error = alert_with(page, "fields but the header").inner_text()
    assert error.startswith(f"{FILE_SCRIPT}: line 3 has 2 fields"), error
    notice = sidebar(page).get_by_text("Still showing the last file that worked").inner_text()
    assert notice == f"Still showing the last file that worked, {FILE_IMG}.", notice
    assert_no_exception(page)
    assert_nothing_ran(page, dialogs)


def test_plotly_markup_in_column_names_is_not_rendered(page, app_url):
    # Plotly turns <a href>, <b>, <br> and friends in titles and legends into SVG markup: a column name could
    # put a link on the chart. The names must read exactly as the file spells them.
    open_app(page, app_url)
    choose_csv_source(page)
    upload(page, "markup.csv", MARKUP_CSV)
    wait_for_charts(
        page,
        lambda c: html.unescape(c[BOUNDARY]["xaxis"]["title"] or "") == NAME_LINK,
        what="the boundary to show the CSV",
    )
    # Plotly draws just after the script ends: wait until the drawn titles read as the file spells them.
    drawn = {}

    def titles_drawn():
        drawn["x"], drawn["y"] = (chart_texts(page, BOUNDARY, f".g-{axis}title") for axis in "xy")
        return drawn["x"] == [NAME_LINK] and drawn["y"] == [NAME_BOLD]

    wait_until(titles_drawn, 20, "the axis titles to be drawn as plain text", lambda: f"; drawn: {drawn}")
    assert chart_texts(page, BOUNDARY, ".g-xtitle") == [NAME_LINK]
    assert chart_texts(page, BOUNDARY, ".g-ytitle") == [NAME_BOLD]
    assert links_to_evil(page, '[data-testid="stPlotlyChart"]') == []


def test_markdown_in_file_names_labels_and_links_is_not_rendered(page, app_url):
    # Streamlit renders Markdown in alerts, captions and table cells: a file name, a label or a value in a
    # shared link could put a link or bold text into the page. They must read exactly as given, and a URL in
    # them must not become a link either (GitHub-flavoured Markdown links bare URLs even in escaped text).
    open_app(page, app_url, "?" + urllib.parse.urlencode({"dataset": URL_MD}))
    note = alert_with(page, "Data set").inner_text()
    assert URL_MD in note, note

    choose_csv_source(page)
    upload(page, "markup.csv", MARKUP_CSV)
    open_tab(page, "Data")
    split = page.get_by_test_id("stTable").inner_text()
    assert LABEL_MD_LINK in split and LABEL_MD_BOLD in split, split

    upload(page, FILE_MD, BAD_CSV)
    error = alert_with(page, "fields but the header").inner_text()
    assert error.startswith(f"{FILE_MD}: "), error
    assert links_to_evil(page) == []


def test_nonsense_url_parameters_in_a_real_browser(page, app_url):
    dialogs = watch_for_script(page)
    query = {
        "dataset": "<script>alert(1)</script>",
        "n": "99999999",
        "noise": "-5",
        "seed": "1e308",
        "lr": "1e308",
        "iters": "nan",
        "optimizer": '<img src=x onerror="window.__pwned=1">',
        "batch": "-1",
        "l2": "abc",
        "intercept": "maybe",
        "standardize": "2",
        "degree": "99",
        "test": "5",
        "logy": "<b>",
        "play": "<i>",
        "view": "nonsense",
    }
    open_app(page, app_url, "?" + urllib.parse.urlencode(query))
    notes = "\n".join(page.get_by_test_id("stAlert").all_inner_texts())
    for setting in SETTINGS.values():
        assert f"{setting.label} " in notes, f"no note for {setting.key}: {notes}"
    assert "'<script>alert(1)</script>'" in notes
    assert "View 'nonsense' from the link does not exist" in notes
    # Waited for: a loaded page can show a widget's starting value for a moment before the URL's arrives.
    lr_box = sidebar(page).get_by_label("Learning rate", exact=True)
    expect(lr_box).to_have_value(re.compile(rf"^{SETTINGS['lr'].high:g}(\.0*)?$"), timeout=30_000)
    assert float(lr_box.input_value()) == SETTINGS["lr"].high
    iters = str(SETTINGS["iters"].default)
    expect(sidebar(page).get_by_label("Iterations", exact=True)).to_have_value(iters, timeout=30_000)
    dataset = SETTINGS["dataset"].default
    expect(sidebar(page).get_by_role("combobox", name="Data set")).to_have_value(dataset, timeout=30_000)
    assert page.get_by_role("tab", name="Training").get_attribute("aria-selected") == "true"
    assert_no_exception(page)
    assert "Something went wrong" not in notes
    assert_nothing_ran(page, dialogs)


# --- isolation between users ----------------------------------------------------------------------------------

# Both users call their file data.csv: run names and pins are built from the file name.
USER_A = (["apple_len", "apple_wid", "fruit_kind"], ("fuji_a", "gala_a"))
USER_B = (["bolt_len", "bolt_wid", "screw_kind"], ("hex_b", "torx_b"))

# Any text or input value on the page, at any moment, that names the other user's data is a leak.
LEAK_WATCH_JS = """
(foreign) => {
  window.__leaks = [];
  const check = () => {
    const seen = document.body.textContent + '\\n' + [...document.querySelectorAll('input, textarea')]
      .map((e) => e.value).join('\\n');
    for (const f of foreign) if (seen.includes(f) && !window.__leaks.includes(f)) window.__leaks.push(f);
  };
  new MutationObserver(check).observe(document.body, {subtree: true, childList: true, characterData: true,
                                                      attributes: true, attributeFilter: ['value']});
  check();
}
"""


def compare_chart(page) -> dict | None:
    return next((c for c in page.evaluate(CHARTS_JS) if c["title"] == "Loss per iteration, runs compared"), None)


def test_two_users_uploading_at_once_never_see_each_others_data_or_pins(browser, app_url):
    users = []
    with contextlib.ExitStack() as stack:
        for (header, labels), (other_header, other_labels) in ((USER_A, USER_B), (USER_B, USER_A)):
            page = new_page(browser)
            stack.callback(page.context.close)
            open_app(page, app_url)
            page.evaluate(LEAK_WATCH_JS, [*other_header, *other_labels])
            choose_csv_source(page)
            users.append((page, header, labels))
        (page_a, _, _), (page_b, _, _) = users

        # Both uploads are sent before either rerun is awaited, so the server handles them together.
        with rerun(page_a), rerun(page_b):
            for page, header, labels in users:
                page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
                    files=[{"name": "data.csv", "mimeType": "text/csv", "buffer": table_csv(header, labels)}]
                )
        for page, header, labels in users:
            current = wait_for_charts(
                page, lambda c, h=header: c[BOUNDARY]["xaxis"]["title"] == h[0], what=f"the boundary over {header[0]}"
            )
            assert current[BOUNDARY]["yaxis"]["title"] == header[1]
            names = {t["name"] for t in current[BOUNDARY]["traces"]}
            assert {f"train: {labels[0]}", f"train: {labels[1]}"} <= names

        for page, header, labels in users:
            open_tab(page, "Data")
            headers, cells = data_table(page)
            assert headers == header and labels[0] in cells

        open_tab(page_a, "Compare")
        with rerun(page_a):
            page_a.get_by_role("button", name=re.compile("Pin this run")).click()
        page_a.wait_for_function(
            "(sel) => [...document.querySelectorAll(sel)].some((g) => /runs compared/.test(g.layout.title.text))",
            arg=CHARTS,
            timeout=RERUN_TIMEOUT_MS,
        )
        pinned = [t["name"] for t in compare_chart(page_a)["traces"]]
        assert pinned == ["data.csv: gradient descent, lr 0.1, 500 it"], pinned

        open_tab(page_b, "Compare")
        page_b.get_by_text("Pin this run, change a setting, and pin again").wait_for()
        assert compare_chart(page_b) is None

        # Reruns on both sides: A keeps its pin, B still has none.
        set_number(page_b, "Learning rate", "0.3")
        set_number(page_a, "Learning rate", "0.3")
        page_a.wait_for_function(
            "(sel) => [...document.querySelectorAll(sel)].some((g) => g.data.some((t) => /^now:/.test(t.name)))",
            arg=CHARTS,
            timeout=RERUN_TIMEOUT_MS,
        )
        names = [t["name"] for t in compare_chart(page_a)["traces"]]
        assert names == [
            "data.csv: gradient descent, lr 0.1, 500 it",
            "now: data.csv: gradient descent, lr 0.3, 500 it",
        ], names
        assert compare_chart(page_b) is None
        assert page_b.get_by_text("Pin this run, change a setting, and pin again").is_visible()

        for page, _, _ in users:
            assert page.evaluate("() => window.__leaks") == []
            assert_no_exception(page)


# --- nothing is lost ------------------------------------------------------------------------------------------


def test_a_table_edit_survives_ten_setting_changes(page, app_url):
    open_app(page, app_url)
    open_tab(page, "Data")
    edit_first_cell(page, "9")
    open_tab(page, "Training")
    wait_for_charts(page, lambda c: any(abs(x - 9) < 1e-6 for x in boundary_points_x(c)), what="the edited point")

    changes = [
        lambda: set_number(page, "Learning rate", "0.2"),
        lambda: set_number(page, "Learning rate", "0.05"),
        lambda: set_number(page, "Iterations", "300"),
        lambda: choose_option(page, "Optimiser", "Momentum"),
        lambda: set_number(page, "Learning rate", "0.5"),
        lambda: set_number(page, "Iterations", "400"),
        lambda: choose_option(page, "Optimiser", "Adam"),
        lambda: set_number(page, "L2 penalty", "0.001"),
        lambda: flip_toggle(page, "Standardise"),
        lambda: set_number(page, "Learning rate", "0.3"),
    ]

    def train_loss(current):
        return next(t["y"] for t in current["Loss per iteration"]["traces"] if t["name"].startswith("train"))

    for i, change in enumerate(changes, 1):
        # Every change alters the loss curve; the boundary's traces may not (its colours are not read here).
        before = train_loss(charts(page))
        change()
        current = wait_for_charts(
            page, lambda c, b=before: train_loss(c) != b, what=f"the loss curve to change after change {i}"
        )
        assert any(abs(x - 9) < 1e-6 for x in boundary_points_x(current)), f"the edit is gone after change {i}"
        assert_no_exception(page)

    assert len(train_loss(charts(page))) == 401, "the last settings are not the ones in use"
    open_tab(page, "Data")
    _, cells = data_table(page)
    assert cells[0] == "9", cells[:3]


def test_a_failed_upload_keeps_the_previous_file_and_its_edits(page, app_url):
    open_app(page, app_url)
    choose_csv_source(page)
    upload(page, "pets.csv", GOOD_CSV)
    open_tab(page, "Data")
    edit_first_cell(page, "7.5")
    upload(page, "broken.csv", BAD_CSV)
    alert_with(page, "broken.csv")
    headers, cells = data_table(page)
    assert headers == ["height", "weight", "species"] and cells[0] == "7.5", (headers, cells[:3])
    open_tab(page, "Training")
    current = wait_for_charts(page, lambda c: c[BOUNDARY]["xaxis"]["title"] == "height", what="the good CSV")
    assert any(abs(x - 7.5) < 1e-6 for x in boundary_points_x(current)), "the edit is gone"
    assert_no_exception(page)


# --- faults ---------------------------------------------------------------------------------------------------

FAULT_LR = "0.0123"
FAULT_LOG = TEST_ARTIFACTS / "streamlit-fault-server.log"


@pytest.fixture(scope="module")
def faulty_app_url():
    """A second server whose training raises RuntimeError("injected fault") at learning rate FAULT_LR."""
    # Only this server's environment carries the fault; the session's ordinary server never sees it.
    fault = {
        "PYTHONPATH": python_path_with(Path(__file__).parent / "fault_injection"),
        "CEDASH_TEST_FAULT_LR": FAULT_LR,
    }
    try:
        with streamlit_server(FAULT_LOG, env=fault) as server:
            yield server.url
    except ServerError as exc:
        pytest.fail(str(exc), pytrace=False)


def test_an_unexpected_error_in_training_is_short_logged_and_the_page_recovers(page, faulty_app_url):
    open_app(page, faulty_app_url)
    set_number(page, "Learning rate", FAULT_LR)
    error = alert_with(page, "Something went wrong").inner_text()
    assert "RuntimeError" in error and len(error) < 300, error
    assert page.locator('[data-testid="stException"]').count() == 0
    text = body_text(page)
    assert "Traceback" not in text and "injected fault" not in text
    assert not [t for t in TITLES if t in {c["title"] for c in page.evaluate(CHARTS_JS)}]

    set_number(page, "Learning rate", "0.2")
    wait_for_charts(page, lambda c: True, what="the charts to come back")
    assert page.get_by_test_id("stAlert").filter(has_text="Something went wrong").count() == 0
    assert_no_exception(page)

    log = FAULT_LOG.read_text(errors="replace")
    assert "RuntimeError: injected fault" in log and "Traceback (most recent call last)" in log, log[-2000:]
