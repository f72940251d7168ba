"""The least page that answers a learning-rate change: the rate box and cedash's two charts, nothing else.

``python benchmarks/bench_app.py --floor`` times it beside cedash's own page. Whatever this page takes is
what Streamlit and plotly.js take on this machine to rerun a script and redraw these two figures: cedash's
page, which holds much more, cannot answer faster.

``CEDASH_FLOOR=in_place`` draws the figures with a small custom component that keeps one plot per chart and
hands each new figure to ``Plotly.react``, instead of ``st.plotly_chart``, whose element is named after its
figure and so is mounted and drawn from nothing whenever the figure changes. That is the best a custom chart
element could do. Its plotly.js is the installed plotly package's copy, served from ``benchmarks/static/``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import plotly
import streamlit as st

import cedash
from cedash.config import RunConfig
from dashboard.state import CHART_CONFIG, spec_once
from dashboard.training_view import boundary_chart, loss_chart

IN_PLACE = os.environ.get("CEDASH_FLOOR") == "in_place"
STATIC = Path(__file__).resolve().parent / "static"

# Created once; every later call gets the next figure and redraws the same plot.
IN_PLACE_JS = r"""
export default function ({ parentElement, data }) {
  let plot = parentElement.querySelector('.floor-plot');
  if (!plot) {
    plot = document.createElement('div');
    plot.className = 'floor-plot';
    parentElement.appendChild(plot);
  }
  window.__floorPlotly = window.__floorPlotly || new Promise((resolve, reject) => {
    const script = document.createElement('script');
    Object.assign(script, {src: data.src, onload: resolve, onerror: reject});
    document.head.appendChild(script);
  });
  window.__floorPlotly.then(() => window.Plotly.react(plot, data.figure.data, data.figure.layout,
                                                      {...data.config, responsive: true}));
}
"""


@st.cache_resource
def in_place_chart():
    source = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    STATIC.mkdir(exist_ok=True)
    shutil.copyfile(source, STATIC / source.name)
    return st.components.v2.component("floor_in_place_chart", js=IN_PLACE_JS, isolate_styles=False)


@st.cache_resource
def moons():
    return cedash.load_dataset("moons")


st.set_page_config(layout="wide")
with st.sidebar:
    rate = st.number_input("Learning rate", value=0.1, format="%g", key="lr")
result = cedash.run(moons(), RunConfig(learning_rate=rate))
figures = {"boundary": boundary_chart(result, (0, 1)), "loss": loss_chart(result, False, None)}
for column, (key, fig) in zip(st.columns([11, 10]), figures.items(), strict=True):
    if IN_PLACE:
        with column:
            in_place_chart()(
                key=key,
                data={"figure": spec_once(fig).to_dict(), "config": CHART_CONFIG, "src": "./app/static/plotly.min.js"},
            )
    else:
        column.plotly_chart(spec_once(fig), width="stretch", key=key, theme=None, config=CHART_CONFIG)
