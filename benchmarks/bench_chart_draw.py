"""How long plotly.js takes to draw each of the default page's charts, in a bare page of headless Chromium.

Run ``python benchmarks/bench_chart_draw.py`` (about a minute). The dashboard's whole answer to a change is
``bench_app.py``'s to measure; this one takes Streamlit out and times plotly alone, which is what a change of
figure (more markers, a finer grid) costs on every redraw.

Each figure is built by cedash's builders for the default data (moons, 200 points, a quarter held out), put
in the form the dashboard sends (``figure_spec``), then drawn from nothing with ``Plotly.newPlot`` into a
chart as wide as the page gives it at 1366x768 (466 px), ``--repeats`` times (default 9). The table gives the
median, and the ratio to the baseline measured in the same run: the same layout with no traces, what any
chart costs before its data.

The plotly.js drawn here is the Python package's (``plotly/package_data/plotly.min.js``); Streamlit bundles
its own, a release or so apart, so the absolute times differ a little from the page's.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import plotly  # noqa: E402

from cedash.config import RunConfig  # noqa: E402
from cedash.data.builtin_datasets import load_dataset  # noqa: E402
from cedash.plots import editing, training_figures  # noqa: E402
from cedash.plots.redraw_spec import figure_spec  # noqa: E402
from cedash.runs.experiment import run  # noqa: E402
from cedash.runs.export import dataset_frame  # noqa: E402
from harness.browser import ChromiumMissing, launch_chromium  # noqa: E402

WIDTH_PX = 466  # the boundary's column on the default page at 1366x768
DRAW_JS = """
async ([spec, repeats, width]) => {
  const times = [];
  for (let i = 0; i < repeats; i++) {
    const gd = document.createElement('div');
    gd.style.width = width + 'px';
    document.body.appendChild(gd);
    const copy = JSON.parse(JSON.stringify(spec));
    const start = performance.now();
    await Plotly.newPlot(gd, copy.data, copy.layout, {modeBarButtons: [['toImage', 'resetScale2d']]});
    gd.getBoundingClientRect();  // the layout the drawing forces belongs to it
    times.push(performance.now() - start);
    Plotly.purge(gd);
    gd.remove();
  }
  return times;
}
"""


def default_page_figures() -> dict[str, dict]:
    """The figures a change redraws on the Training and Data tabs, in the form the page receives them."""
    data = load_dataset("moons")
    result = run(data, RunConfig())
    frame = dataset_frame(data)
    boundary = training_figures.boundary_figure(result, resolution=64)
    figures = {
        "Training: decision boundary": boundary,
        "Training: loss per iteration": training_figures.loss_figure(result),
        "Data: click to add (40 targets a side)": editing.editable_boundary_figure(result, frame, data.target_name),
    }
    # The Data tab's chart as it was, with 60 click targets a side: the comparison for CLICK_GRID.
    chosen = editing.CLICK_GRID
    try:
        editing.CLICK_GRID = 60
        figures["Data: click to add (60 a side, before)"] = editing.editable_boundary_figure(
            result, frame, data.target_name
        )
    finally:
        editing.CLICK_GRID = chosen
    specs = {name: figure_spec(fig) for name, fig in figures.items()}
    empty = copy.deepcopy(specs["Training: decision boundary"])
    empty["data"] = []
    return {"baseline: empty axes": empty, **specs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=9, help="drawings per chart (default 9)")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    specs = default_page_figures()
    code = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text()
    try:
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.set_content("<html><body></body></html>")
            page.add_script_tag(content=code)
            version = page.evaluate("Plotly.version")
            page.evaluate(DRAW_JS, [specs["Training: decision boundary"], 3, WIDTH_PX])  # warm plotly's code up
            times = {name: page.evaluate(DRAW_JS, [spec, args.repeats, WIDTH_PX]) for name, spec in specs.items()}
            browser.close()
    except ChromiumMissing as exc:
        sys.exit(str(exc))

    base = statistics.median(times["baseline: empty axes"])
    print(f"plotly.js {version}, {args.repeats} drawings each, chart {WIDTH_PX} px wide\n")
    print(f"{'chart':42} {'traces':>6} {'points':>7} {'median ms':>10} {'min ms':>7} {'x baseline':>10}")
    for name, spec in specs.items():
        points = sum(len(t.get("x") or []) for t in spec["data"] if t.get("type") == "scatter")
        ms = statistics.median(times[name])
        print(f"{name:42} {len(spec['data']):6d} {points:7d} {ms:10.1f} {min(times[name]):7.1f} {ms / base:10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
