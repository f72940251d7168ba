"""A tiny hidden chart sent before anything else, so that the browser loads plotly.js while the server imports.

A new server spends its first page's first seconds importing numpy, pandas and scikit-learn, and the
browser waits with nothing to do. Streamlit fetches its 4.7 MB plotly.js only when a page first holds a
chart, and then parses it, runs it and draws with code not yet optimised: about 1.4 s on this 2-core
machine, after the rest of the first page is drawn. This chart is on the page from its first moment: that
work happens while the browser would be idle, and the decision boundary is drawn with code already
warmed on the same kinds of trace (a heatmap, a line, markers, a legend).

It stays on every rerun, the same each time (so the page keeps it as it is), hidden from sight, from the
keyboard and from screen readers.
"""

from __future__ import annotations

# numpy first, fully, under this module's import lock: a new server's first sessions run at the same time,
# and plotly, asked to check a figure in one session while another was still importing numpy, found it
# half-imported ("partially initialized module 'numpy'") and failed.
import numpy  # noqa: F401
import plotly.graph_objects as go
import streamlit as st

KEY = "chart_code"

# Out of the page's flow and invisible; the chart still has a width, which Streamlit needs to draw it.
# Its wrapper leaves the flow too: in the flow, the page's gap between blocks would push the title down 16 px.
_STYLE = f"""<style>
.st-key-{KEY} {{ position: absolute; visibility: hidden; height: 0; width: 320px; overflow: hidden;
  pointer-events: none; }}
[data-testid="stLayoutWrapper"]:has(> .st-key-{KEY}) {{ position: absolute; }}
</style>"""

# A figure object, built once and never checked: Streamlit checks a dict again on every call, and plotly's
# checks, first run from several sessions at once, took a heatmap for a scatter.
_FIGURE = go.Figure(
    data=[
        {"type": "heatmap", "z": [[0.0, 1.0], [1.0, 0.0]], "showscale": False},
        {"type": "scatter", "mode": "lines", "x": [0, 1], "y": [0, 1], "name": "line"},
        {"type": "scatter", "mode": "markers", "x": [0, 1], "y": [1, 0], "name": "points"},
    ],
    layout={"height": 120, "margin": {"l": 0, "r": 0, "t": 0, "b": 0}, "template": {}},
    _validate=False,
)


def load_chart_code() -> None:
    """Put the hidden chart on the page; call it first, before the slow imports of the first run."""
    with st.container(key=KEY):
        st.html(_STYLE)
        st.plotly_chart(_FIGURE, key=f"{KEY}_figure", theme=None, config={"displaylogo": False})
