"""Driving the dashboard in a real Chromium: opening it, waiting for reruns, reading what Plotly drew.

Shared by the browser test files; fixtures (server, browser, page) are in conftest.py, the server and the
browser themselves are started by ``harness``.
"""

from __future__ import annotations

import contextlib
import time
import weakref

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from harness.browser import APP_IDLE, CHARTS, VIEWPORT

# Generous upper bounds, never assertions on speed: the machine has two shared cores.
LOAD_TIMEOUT_MS = 60_000
RERUN_TIMEOUT_MS = 45_000

# The charts on the first screen of the Training tab (accuracy per iteration is drawn when its expander opens).
TITLES = ("Loss per iteration", "Decision boundary")
BOUNDARY = "Decision boundary"

GOOD_CSV = b"height,weight,species\n1.0,2.0,cat\n1.2,1.9,cat\n0.8,2.2,cat\n1.1,2.1,cat\n" + b"".join(
    f"{3 + i * 0.1:.1f},{5 - i * 0.1:.1f},dog\n".encode() for i in range(6)
)
# Unusable: its third line is one field short (a text column like "heavy/light" is a usable input since issue 12).
BAD_CSV = b"height,weight,species\n1.0,2.0,cat\n1.2,1.9\n3.0,4.0,dog\n3.1,4.1,dog\n"

# Plotly 7 sends numpy arrays base64-encoded ({dtype, bdata}) and plotly.js keeps them that way in `gd.data`;
# decode them here so Python sees plain lists. Heatmap z grids are left out: no test needs them.
CHARTS_JS = """
() => {
  const TYPES = {f8: Float64Array, f4: Float32Array, i4: Int32Array, u4: Uint32Array, i2: Int16Array,
                 u2: Uint16Array, i1: Int8Array, u1: Uint8Array, i8: BigInt64Array, u8: BigUint64Array};
  const decode = (v) => {
    if (v && typeof v === 'object' && typeof v.bdata === 'string') {
      const bin = atob(v.bdata);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      return Array.from(new TYPES[v.dtype.replace(/^[<>|=]/, '')](bytes.buffer), Number);
    }
    if (ArrayBuffer.isView(v)) return Array.from(v, Number);
    return v === undefined ? null : v;
  };
  const axis = (a) => ({title: a && a.title ? a.title.text : null, range: a && a.range ? a.range.map(Number) : null});
  return [...document.querySelectorAll('%s')].map((gd) => ({
    title: String((gd.layout.title && gd.layout.title.text) || '').replace(/<[^>]*>/g, ''),
    xaxis: axis(gd.layout.xaxis),
    yaxis: axis(gd.layout.yaxis),
    traces: gd.data.map((t) => ({name: t.name, type: t.type, x: decode(t.x), y: decode(t.y)})),
  }));
}
""" % CHARTS.replace("'", "\\'")

# --- pages and reruns -----------------------------------------------------------------------------------------

# Each page's Streamlit websocket, the channel on which the server says that a rerun has finished.
_SOCKETS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_STREAM_PATH = "/_stcore/stream"
_FINISHED_EARLY_FOR_RERUN = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_EARLY_FOR_RERUN")
# A script_finished message is a few bytes; larger frames carry elements and need no decoding here.
_LARGEST_FINISH_FRAME = 1000


def new_page(browser):
    """A page in a fresh context (its own cookies and session) that keeps track of its websocket."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(30_000)

    def remember(socket):
        if socket.url.endswith(_STREAM_PATH):
            _SOCKETS[page] = socket

    page.on("websocket", remember)
    return page


def _is_run_finished(payload) -> bool:
    if isinstance(payload, str) or len(payload) > _LARGEST_FINISH_FRAME:
        return False
    msg = ForwardMsg.FromString(payload)
    # A run cut short by a newer request answers nothing; the run that follows it does.
    return msg.WhichOneof("type") == "script_finished" and msg.script_finished != _FINISHED_EARLY_FOR_RERUN


@contextlib.contextmanager
def rerun(page, timeout_ms: int = RERUN_TIMEOUT_MS):
    """Wait, after the body's action, for the rerun it caused: finished on the server, then idle in the page.

    The server's script_finished message is the signal, read from the websocket: the page's script state
    alone cannot tell a rerun that has not started yet from one that is over, and a busy page can handle a
    whole rerun's messages in one batch without ever showing 'running'. An action that starts no rerun
    fails here after ``timeout_ms``.
    """
    socket = _SOCKETS.get(page)
    assert socket is not None, "the page has no Streamlit websocket: make it with new_page and open the app first"
    with socket.expect_event("framereceived", predicate=_is_run_finished, timeout=timeout_ms):
        yield
    page.wait_for_selector(APP_IDLE, timeout=timeout_ms)


def open_app(page, url: str, query: str = ""):
    page.goto(url + "/" + query)
    page.wait_for_selector(APP_IDLE, timeout=LOAD_TIMEOUT_MS)
    # The three charts every test reads, by title: the page may hold more (the gap to the optimum, for one).
    page.wait_for_function(
        """([selector, titles]) => {
            const title = (gd) => String((gd.layout && gd.layout.title && gd.layout.title.text) || '');
            const drawn = [...document.querySelectorAll(selector)].map((gd) => title(gd).replace(/<[^>]*>/g, ''));
            return titles.every((t) => drawn.includes(t));
        }""",
        arg=[CHARTS, list(TITLES)],
        timeout=LOAD_TIMEOUT_MS,
        polling=100,
    )
    return page


def open_view(page, url: str, view: str, titles: list[str], query: str = "") -> dict:
    """Open the page on one tab (the tab is in the URL like every setting) and wait for its charts."""
    page.goto(f"{url}/?view={view}{query}")
    page.wait_for_selector(APP_IDLE, timeout=LOAD_TIMEOUT_MS)
    return wait_for_titles(page, titles)


def wait_until(condition, timeout_s: float, what: str, describe=lambda: ""):
    """Poll ``condition()`` until it returns something true, and return that; fail the test at the deadline."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s:g} s waiting for {what}{describe()}")
        time.sleep(0.1)


# --- charts ---------------------------------------------------------------------------------------------------


def charts(page) -> dict[str, dict]:
    return {c["title"]: c for c in page.evaluate(CHARTS_JS)}


def wait_for_charts(
    page, condition, timeout_s: float = 20.0, what: str = "the charts to change", titles=TITLES
) -> dict:
    """Poll the drawn charts until those titled ``titles`` are there and ``condition(charts)`` holds.

    Plotly redraws just after the script ends, so a chart can lag the script state by a moment.
    """
    seen = {}

    def ready():
        seen["charts"] = current = charts(page)
        return current if set(titles) <= set(current) and condition(current) else None

    return wait_until(ready, timeout_s, what, lambda: f"; charts now: {summarise(seen['charts'])}")


def wait_for_titles(page, titles, condition=lambda c: True, timeout_s: float = 30.0) -> dict:
    return wait_for_charts(page, condition, timeout_s, what=f"the charts {titles}", titles=titles)


def summarise(current: dict) -> dict:
    """Titles, axes and trace lengths: enough to see in a failure message what the page drew."""
    out = {}
    for title, chart in current.items():
        lengths = [(t["name"], len(t["y"]) if isinstance(t["y"], list) else None) for t in chart["traces"]]
        out[title] = {"xaxis": chart["xaxis"], "traces": lengths}
    return out


def trace(chart: dict, name: str) -> dict:
    matches = [t for t in chart["traces"] if t["name"] == name]
    assert matches, f"no trace named {name!r} in {chart['title']!r}: {[t['name'] for t in chart['traces']]}"
    return matches[0]


def boundary_points_x(current: dict) -> list[float]:
    return [x for t in current[BOUNDARY]["traces"] if t["type"] == "scatter" for x in t["x"] or []]


def chart_texts(page, title: str, selector: str) -> list[str] | None:
    """The text content of the SVG nodes matching ``selector`` inside the chart with this title."""
    return page.evaluate(
        """([charts, title, selector]) => {
            const gd = [...document.querySelectorAll(charts)].find(
                (g) => String((g.layout.title && g.layout.title.text) || '').replace(/<[^>]*>/g, '') === title);
            return gd ? [...gd.querySelectorAll(selector)].map((e) => e.textContent) : null;
        }""",
        [CHARTS, title, selector],
    )


# --- the page's widgets and notices ---------------------------------------------------------------------------


def assert_no_exception(page) -> None:
    exceptions = page.get_by_test_id("stException")
    assert exceptions.count() == 0, exceptions.all_inner_texts()


def alerts_text(page) -> str:
    return "\n".join(page.get_by_test_id("stAlert").all_inner_texts())


def alert_with(page, text: str):
    alert = page.get_by_test_id("stAlert").filter(has_text=text).first
    alert.wait_for(timeout=RERUN_TIMEOUT_MS)
    return alert


def sidebar(page):
    return page.get_by_test_id("stSidebar")


def upload(page, name: str, content: bytes) -> None:
    with rerun(page):
        page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
            files=[{"name": name, "mimeType": "text/csv", "buffer": content}]
        )


def choose_csv_source(page) -> None:
    with rerun(page):
        sidebar(page).get_by_text("My CSV file", exact=True).click()
    page.get_by_test_id("stFileUploaderDropzoneInput").wait_for(state="attached")


def open_tab(page, name: str) -> None:
    """Open a tab; opening one reruns the script, which draws only the open tab."""
    tab = page.get_by_role("tab", name=name)
    if tab.get_attribute("aria-selected") == "true":
        return
    with rerun(page):
        tab.click()
    assert tab.get_attribute("aria-selected") == "true"


def set_number(page, label: str, value: str) -> None:
    box = sidebar(page).get_by_label(label, exact=True)
    box.fill(value)
    with rerun(page):
        box.press("Enter")


def choose_option(page, label: str, option: str) -> None:
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


def data_table(page) -> tuple[list[str], list[str]]:
    """Column headers and cells of the Data tab's grid, from the table Glide keeps for screen readers."""
    # The main area's grid: the sidebar holds one too (an upload's column roles).
    grid = page.get_by_test_id("stMain").get_by_test_id("stDataFrame").first
    grid.locator("table th").first.wait_for(state="attached")
    return grid.locator("table th").all_text_contents(), grid.locator("table td").all_text_contents()


def edit_first_cell(page, value: str) -> None:
    """Type ``value`` into the first row's first column of the Data tab's editable grid."""
    grid = page.get_by_test_id("stMain").get_by_test_id("stDataFrame").first.get_by_test_id("data-grid-canvas")
    grid.wait_for()
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None
    # Glide's grid is one canvas under a scroller overlay (which takes the pointer events, so the canvas cannot
    # be clicked as an element): cells are found by position. 35 px header, 35 px rows, a narrow row-marker
    # column on the left, then the columns sharing the width: 150 px in is well inside the first row's first.
    page.mouse.dblclick(box["x"] + 150, box["y"] + 35 + 17)
    editor = page.locator("input.gdg-input, textarea.gdg-input")
    editor.first.wait_for()
    editor.first.fill(value)
    with rerun(page):
        editor.first.press("Enter")
    page.wait_for_function(
        '(v) => (document.querySelector(\'[data-testid="stMain"] [data-testid="glide-cell-1-0"]\') || {})'
        ".textContent === v",
        arg=value,
        timeout=RERUN_TIMEOUT_MS,
    )
