"""A real table in Chromium: upload it, see its roles, change the target and a role, see the charts follow."""

from __future__ import annotations

import pytest
from browser_helpers import (
    RERUN_TIMEOUT_MS,
    assert_no_exception,
    choose_csv_source,
    choose_option,
    open_app,
    rerun,
    sidebar,
    upload,
    wait_for_charts,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from test_app_tables import people_table

pytestmark = pytest.mark.slow
BOUNDARY = "Decision boundary"


def roles_cells(page) -> list[str]:
    """The roles table's cells, row by row (column, kind, role, note), from the grid's screen-reader table."""
    grid = sidebar(page).get_by_test_id("stDataFrame").first
    grid.locator("table td").first.wait_for(state="attached")
    return grid.locator("table td").all_text_contents()


def role_of(page, column: str) -> str:
    cells = roles_cells(page)
    return cells[cells.index(column) + 2]


def settled_box(locator) -> dict:
    """``locator``'s box once it stays put for 100 ms: after a rerun the sidebar may still scroll or the grid redraw."""
    last = None
    for _ in range(50):
        box = locator.bounding_box()
        if box is not None and box == last:
            return box
        last = box
        locator.page.wait_for_timeout(100)
    raise AssertionError(f"the roles grid kept moving (last box {last})")


def set_role(page, column: str, role: str) -> None:
    """Open the role cell of ``column`` from the keyboard and pick ``role`` from its list.

    The grid is a canvas, reached by a click at a position; a click that lands while the grid is still being
    redrawn opens no cell or another one. So the pick is made a second time if the table does not show it,
    and the caller still checks the table and the charts.
    """
    for _attempt in range(2):
        cells = roles_cells(page)
        row = cells.index(column) // 4
        canvas = sidebar(page).get_by_test_id("stDataFrame").first.get_by_test_id("data-grid-canvas")
        canvas.scroll_into_view_if_needed()
        box = settled_box(canvas)
        # Click the first cell of the header-less first data row, then walk to the role cell with the arrows.
        page.mouse.click(box["x"] + 10, box["y"] + 35 + 17)
        for _ in range(row):
            page.keyboard.press("ArrowDown")
        for _ in range(2):
            page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")
        option = page.get_by_role("option", name=role, exact=True)
        try:
            option.wait_for(timeout=10_000)
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            continue
        with rerun(page):
            option.click()
        if role_of(page, column) == role:
            return


def test_a_real_table_uploads_trains_and_follows_its_target_and_roles(page, app_url):
    open_app(page, app_url)
    choose_csv_source(page)
    upload(page, "people.csv", people_table())
    wait_for_charts(page, lambda c: c[BOUNDARY]["xaxis"]["title"] == "age", what="the table's boundary")
    assert role_of(page, "person_id") == "left out" and role_of(page, "comment") == "left out"
    assert role_of(page, "region") == "feature" and role_of(page, "bought") == "target"
    # The boundary is a slice through a model of many inputs, and its subtitle says what is held.
    page.get_by_test_id("stPlotlyChart").filter(has_text="Other inputs held at").first.wait_for()

    choose_option(page, "Target column", "smoker")
    current = wait_for_charts(
        page,
        lambda c: {"train: no", "train: yes"} <= {t["name"] for t in c[BOUNDARY]["traces"]},
        what="the boundary of the new target",
    )
    assert role_of(page, "smoker") == "target" and role_of(page, "bought") == "feature"
    assert current[BOUNDARY]["xaxis"]["title"] == "age"

    set_role(page, "region", "left out")
    page.wait_for_function(
        """() => {
          const cells = [...document.querySelectorAll('[data-testid=stSidebar] [data-testid=stDataFrame] table td')];
          const i = cells.findIndex((td) => td.textContent === 'region');
          return i >= 0 && cells[i + 2].textContent === 'left out';
        }""",
        timeout=RERUN_TIMEOUT_MS,
    )
    # Region is no longer an input: the slice's subtitle stops naming it.
    charts_now = page.get_by_test_id("stPlotlyChart").filter(has_text="Other inputs held at")
    charts_now.filter(has_not_text="region").first.wait_for(timeout=RERUN_TIMEOUT_MS)
    assert_no_exception(page)
